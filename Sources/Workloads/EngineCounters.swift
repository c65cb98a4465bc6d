/// Counters a ConServe engine keeps about its co-serving mechanisms over a run.
public struct EngineCounters: Codable, Sendable, Equatable {
    /// Offline steps abandoned between layers for an arriving online request.
    public var layerPreemptions: Int
    /// Offline requests preempted by dropping their KV, to be recomputed.
    public var recomputePreemptions: Int
    /// Offline requests paused with their KV checkpointed, to be restored.
    public var pausePreemptions: Int
    /// Tokens of KV copied back from checkpoints instead of recomputed.
    public var restoredTokens: Int
    /// Tokens computed a second time after a recompute preemption.
    public var recomputedTokens: Int
    /// Offline positions the engine ran through the model during the window, recomputation
    /// included. Unlike the client's count, it includes prefill of jobs that had not reached
    /// their first token when the window closed.
    public var offlineComputedTokens: Int

    public init(
        layerPreemptions: Int = 0, recomputePreemptions: Int = 0, pausePreemptions: Int = 0,
        restoredTokens: Int = 0, recomputedTokens: Int = 0, offlineComputedTokens: Int = 0
    ) {
        self.offlineComputedTokens = offlineComputedTokens
        self.layerPreemptions = layerPreemptions
        self.recomputePreemptions = recomputePreemptions
        self.pausePreemptions = pausePreemptions
        self.restoredTokens = restoredTokens
        self.recomputedTokens = recomputedTokens
    }
}
