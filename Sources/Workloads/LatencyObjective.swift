/// The online latency targets a run is judged against, in seconds. Workloads depends on no other
/// module, so this mirrors Scheduling's `ServiceLevelObjective` rather than importing it.
public struct LatencyObjective: Codable, Sendable, Hashable {
    /// Arrival to first output token.
    public var ttft: Double
    /// Mean time per output token after the first (vLLM's TPOT).
    public var tpot: Double

    public init(ttft: Double, tpot: Double) {
        self.ttft = ttft
        self.tpot = tpot
    }
}
