/// Where the load generator sends requests: the engine in process, or a server over HTTP.
/// One method: send a request, wait for its whole response, and say what was seen when.
/// Failures are recorded in the record, never thrown; a cancelled task returns the record
/// as far as it got, with `finished` nil.
public protocol LoadTarget: Sendable {
    func send(_ request: WorkloadRequest, clock: RunClock) async -> RequestRecord
}
