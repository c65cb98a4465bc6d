/// Sub-iteration, layer-wise preemption (DESIGN §5): when an online request arrives while a
/// step holding only offline work is in flight, the step is abandoned between layers if
/// waiting for it would make the arrival miss its TTFT objective. Nothing of an abandoned step
/// counts, so the loss is bounded by one step of offline work.
///
/// A pure rule: the engine's submit path asks it on its own thread, with the step in flight as
/// the engine published it, and raises the executor's flag when it says so.
public struct LayerPreemptionRule: Sendable {
    /// Predicts the step in flight's remaining time and the arrival's own prefill; without
    /// one, nothing is ever predicted late and no step is abandoned.
    public let latencyModel: (any StepTimePredictor)?
    /// The arrival's prompt runs in chunks of at most this many tokens.
    public let maxNumBatchedTokens: Int

    public init(latencyModel: (any StepTimePredictor)?, maxNumBatchedTokens: Int) {
        self.latencyModel = latencyModel
        self.maxNumBatchedTokens = maxNumBatchedTokens
    }

    /// Whether an online request with `objective` and `promptTokens` arriving at `now` should
    /// abandon `step`: the step is preemptible and not already being abandoned, and the time it
    /// has left plus the arrival's own prefill would overrun the arrival's TTFT.
    ///
    /// The first token comes only after the whole prompt, so the whole prefill counts, not its
    /// first chunk: with 256-token chunks taking 0.6 s, a 1,000-token prompt needs 2.4 s of its
    /// own, and counting one chunk let it wait out an offline step and miss a 2 s TTFT.
    public func shouldPreempt(_ step: StepInFlight, forArrivalWith objective: ServiceLevelObjective, promptTokens: Int,
                              now: Double) -> Bool {
        guard step.preemptible, step.preemptionRaisedAt == nil, let latencyModel else { return false }
        let remaining = max(0, step.start + step.predictedSeconds - now)
        return remaining + latencyModel.prefillSeconds(promptTokens: promptTokens, chunk: maxNumBatchedTokens) > objective.ttft
    }
}

/// The step the executor is running, as the engine publishes it to the submit path.
public struct StepInFlight: Sendable, Equatable {
    /// When it started and how long the latency model expects it to take, in seconds.
    public var start: Double
    public var predictedSeconds: Double
    /// It holds no online tokens (`SchedulerOutput.preemptible`).
    public var preemptible: Bool
    /// When an arrival raised the preemption flag for it; nil while none has.
    public var preemptionRaisedAt: Double?

    public init(start: Double, predictedSeconds: Double, preemptible: Bool, preemptionRaisedAt: Double? = nil) {
        self.start = start
        self.predictedSeconds = predictedSeconds
        self.preemptible = preemptible
        self.preemptionRaisedAt = preemptionRaisedAt
    }
}
