/// One run of the benchmark (one engine or one policy on the workload): its figures, what the
/// engine said about itself, and the raw records, so plots and later analysis need nothing else.
public struct RunResult: Codable, Sendable, Equatable {
    /// What ran, as the report's column header: "conserve", "online-only", "llama.cpp".
    public var label: String
    public var metrics: ServeMetrics
    /// The engine's own counters; nil for engines that do not expose them.
    public var engine: EngineCounters?
    /// KV-cache occupancy sampled over the run; empty where the engine does not report it.
    public var kvUsage: [KVSample]
    public var records: [RequestRecord]

    public init(
        label: String, metrics: ServeMetrics, engine: EngineCounters? = nil,
        kvUsage: [KVSample] = [], records: [RequestRecord]
    ) {
        self.label = label
        self.metrics = metrics
        self.engine = engine
        self.kvUsage = kvUsage
        self.records = records
    }

    /// Highest KV occupancy seen (0…1); nil without samples.
    public var peakKVUsage: Double? { kvUsage.map(\.usedFraction).max() }

    /// Online and offline tokens/s over this run's window, in bins of `binSeconds`.
    public func timeline(binSeconds: Double) -> ThroughputTimeline? {
        ThroughputTimeline(records: records, duration: metrics.duration, binSeconds: binSeconds)
    }
}
