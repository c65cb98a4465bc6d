import Scheduling

/// The figures of one benchmark run, per class of work, as vLLM's `bench serve` reports them,
/// plus the window's combined token throughput.
public struct ServeMetrics: Codable, Sendable, Equatable {
    /// Seconds the run sent online work for; every rate is per second of this window.
    public var duration: Double
    public var objective: ServiceLevelObjective
    public var online: WorkClassMetrics
    public var offline: WorkClassMetrics
    /// Prompt and output tokens of both classes inside the window, per second.
    public var totalTokensPerSecond: Double

    /// Measures `records` over the window [0, `duration`] seconds; online requests are judged
    /// against `objective`, offline ones are not.
    public init(records: [RequestRecord], duration: Double, objective: ServiceLevelObjective) {
        self.duration = duration
        self.objective = objective
        online = WorkClassMetrics(
            records: records.filter { $0.workClass == .online }, duration: duration, objective: objective)
        offline = WorkClassMetrics(
            records: records.filter { $0.workClass == .offline }, duration: duration, objective: nil)
        let tokens = online.promptTokens + online.outputTokens + offline.promptTokens + offline.outputTokens
        totalTokensPerSecond = WorkClassMetrics.rate(tokens, over: duration)
    }

    public subscript(workClass: WorkClass) -> WorkClassMetrics {
        switch workClass {
        case .online: online
        case .offline: offline
        }
    }
}
