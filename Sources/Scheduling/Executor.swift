/// Carries out a plan: the real model, a scripted one for tests, a simulated one for studies
/// (DESIGN §3). The seam is one-way: everything the executor needs is in the plan (new
/// requests' settings, retired requests, chunks, copies), and everything that comes back is in
/// the result (tokens, log-probabilities, failed copies). The caller never reaches into an
/// executor for more.
public protocol Executor {
    /// Runs one step. Throws only when the executor itself cannot go on (a forward pass that
    /// failed), which fails every request in the plan; a problem with one request's data (a
    /// damaged checkpoint) is reported in the result instead, and touches no other request.
    mutating func execute(_ plan: SchedulerOutput) throws -> StepResult
}

/// What came of a step.
public enum StepOutcome: Sendable, Equatable {
    /// Every chunk ran; `samples` holds the token drawn for each chunk that samples.
    case completed(samples: [RequestID: Int32])
    /// Abandoned between layers; nothing of it counts (restores already done still do).
    case preempted(afterLayer: Int)
}

/// Everything an executor hands back from a step.
public struct StepResult: Sendable {
    public var outcome: StepOutcome
    /// Log-probabilities of the sampled tokens, for requests that asked.
    public var logprobs: [RequestID: TokenLogprob]
    /// Prompt log-probabilities computed in this step, for requests scoring their prompt.
    public var promptLogprobs: [RequestID: PromptLogprobs]
    /// Requests whose checkpoint restore failed: their chunk did not run, and the scheduler
    /// recomputes them.
    public var failedRestores: [RequestID]
    /// Checkpoint slots whose save failed since the last step (their copies are not usable).
    public var failedCheckpointSlots: [Int32]

    public init(outcome: StepOutcome, logprobs: [RequestID: TokenLogprob] = [:],
                promptLogprobs: [RequestID: PromptLogprobs] = [:], failedRestores: [RequestID] = [],
                failedCheckpointSlots: [Int32] = []) {
        self.outcome = outcome
        self.logprobs = logprobs
        self.promptLogprobs = promptLogprobs
        self.failedRestores = failedRestores
        self.failedCheckpointSlots = failedCheckpointSlots
    }
}
