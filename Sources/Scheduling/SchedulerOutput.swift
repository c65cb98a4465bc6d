/// One request's tokens in a step: `tokens` run at positions `startPosition...`, their KV
/// written through `blockTable`.
public struct ScheduledChunk: Sendable {
    public let requestID: RequestID
    public let tokens: ArraySlice<Int32>
    public let startPosition: Int
    public let blockTable: [Int32]
    /// The chunk reaches the end of the request's tokens: sample the next token from its last position.
    public let samples: Bool
    public let isOnline: Bool
    /// Compute the logits of every position, not only the last: the request wants its prompt's
    /// log-probabilities and this chunk runs prompt positions that have not been scored yet.
    public let allLogits: Bool

    public var numScheduledTokens: Int { tokens.count }
    /// Logits rows the chunk takes in the executor: one per token for `allLogits` (the last
    /// one doubles as the sampling row), one when it only samples, none otherwise.
    public var numLogitRows: Int { allLogits ? tokens.count : samples ? 1 : 0 }
}

/// A copy between a KV block and a checkpoint slot.
public struct BlockTransfer: Sendable, Hashable {
    public let block: Int32
    public let slot: Int32

    public init(block: Int32, slot: Int32) {
        self.block = block
        self.slot = slot
    }
}

/// The scheduler's plan for one step, carried out by an `Executor`.
public struct SchedulerOutput: Sendable {
    public let step: UInt64
    public internal(set) var chunks: [ScheduledChunk] = []
    /// Checkpoint → KV copies to finish before the forward pass.
    public internal(set) var restores: [BlockTransfer] = []
    /// KV → checkpoint copies of blocks computed in earlier steps, done in the background;
    /// the executor must finish them before a later step overwrites their blocks.
    public internal(set) var saves: [BlockTransfer] = []
    /// No online tokens: the step may be abandoned between layers.
    public internal(set) var preemptible = true
    /// What the latency model expects the step to take, in seconds (0 without a model).
    public internal(set) var predictedSeconds: Double = 0

    public var numScheduledTokens: Int { chunks.reduce(0) { $0 + $1.numScheduledTokens } }
    public var numLogitRows: Int { chunks.reduce(0) { $0 + $1.numLogitRows } }
    public var hasWork: Bool { !chunks.isEmpty || !restores.isEmpty }
}

/// What came of a step.
public enum StepOutcome: Sendable, Equatable {
    /// Every chunk ran; `samples` holds the token drawn for each chunk that samples.
    case completed(samples: [RequestID: Int32])
    /// Abandoned between layers; nothing of it counts (restores already done still do).
    case preempted(afterLayer: Int)
}

public struct StepResult: Sendable {
    public var outcome: StepOutcome
    /// Checkpoint slots whose save failed since the last step (their copies are not usable).
    public var failedCheckpointSlots: [Int32]

    public init(outcome: StepOutcome, failedCheckpointSlots: [Int32] = []) {
        self.outcome = outcome
        self.failedCheckpointSlots = failedCheckpointSlots
    }
}

/// What `update` tells the caller.
public struct SchedulerEvents: Sendable {
    public struct Token: Sendable, Hashable {
        public let requestID: RequestID
        public let token: Int32
        /// Set when this token ends the request.
        public let finishReason: FinishReason?
    }
    public internal(set) var tokens: [Token] = []
    /// Requests that ended without a new token (a prompt-only request scored its prompt).
    public internal(set) var finishedWithoutToken: [(RequestID, FinishReason)] = []
}

/// Carries out a plan: the real model, a scripted one for tests, a simulated one for studies.
public protocol Executor {
    mutating func execute(_ plan: SchedulerOutput) throws -> StepResult
}
