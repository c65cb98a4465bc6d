/// The two classes of work a run mixes: latency-critical online requests and offline batch work.
public enum WorkClass: String, Codable, Sendable, CaseIterable {
    case online, offline
}

/// What the load generator saw of one request, in seconds since the run started.
/// Enough to derive every figure of vLLM's `bench serve` (TTFT, TPOT, ITL, E2EL, goodput).
public struct RequestRecord: Codable, Sendable, Equatable {
    public var workClass: WorkClass
    /// When the request was sent (for online requests: its scheduled arrival, which it was sent at).
    public var sent: Double
    /// Prompt tokens as the workload built them (the server's count where it reported usage).
    public var promptTokens: Int
    /// Output tokens the request asked for.
    public var requestedOutputTokens: Int
    /// Arrival time of each output token, in order; the first is the first token.
    public var tokenTimes: [Double] = []
    /// When the response ended (last byte, or the error); nil while it is still running.
    public var finished: Double?
    /// Why it failed, if it did (HTTP status, transport error, engine rejection).
    public var error: String?

    public init(workClass: WorkClass, sent: Double, promptTokens: Int, requestedOutputTokens: Int) {
        self.workClass = workClass
        self.sent = sent
        self.promptTokens = promptTokens
        self.requestedOutputTokens = requestedOutputTokens
    }

    public var outputTokens: Int { tokenTimes.count }
    public var succeeded: Bool { error == nil && finished != nil && !tokenTimes.isEmpty }
    /// Time to first token.
    public var ttft: Double? { tokenTimes.first.map { $0 - sent } }
    /// End-to-end latency.
    public var e2el: Double? { finished.map { $0 - sent } }
    /// Time per output token after the first, as vLLM defines it: (E2EL − TTFT) / (output − 1);
    /// nil for single-token outputs.
    public var tpot: Double? {
        guard outputTokens > 1, let first = tokenTimes.first, let end = finished ?? tokenTimes.last else { return nil }
        return (end - first) / Double(outputTokens - 1)
    }
    /// Gaps between consecutive tokens (inter-token latencies).
    public var itls: [Double] { zip(tokenTimes.dropFirst(), tokenTimes).map { $0 - $1 } }
}
