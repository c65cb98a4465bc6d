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

/// A copy between a KV block of a request and a checkpoint slot.
public struct BlockTransfer: Sendable, Hashable {
    public let requestID: RequestID
    public let block: Int32
    public let slot: Int32

    public init(requestID: RequestID, block: Int32, slot: Int32) {
        self.requestID = requestID
        self.block = block
        self.slot = slot
    }
}

/// A request the executor has not seen before, introduced by the first plan that runs it:
/// what the executor needs to keep for it until a plan lists it as retired.
public struct NewRequest: Sendable {
    public let id: RequestID
    public let prompt: [Int32]
    /// Prompt tokens whose KV came from the prefix cache when it was admitted.
    public let numCachedTokens: Int
    /// What the caller gave the scheduler for the executor (sampling settings), untouched.
    public let settings: (any Sendable)?
}

/// The scheduler's plan for one step, carried out by an `Executor`: everything the executor
/// needs, so it keeps no state that the scheduler does not hand it.
public struct SchedulerOutput: Sendable {
    public let step: UInt64
    /// Requests running for the first time in this plan.
    public internal(set) var newRequests: [NewRequest] = []
    /// Requests introduced by earlier plans that have since finished or been cancelled: the
    /// executor drops what it kept for them.
    public internal(set) var retiredRequestIDs: [RequestID] = []
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
    /// Something for the executor to do: tokens to run, copies to make, or state to drop.
    public var hasWork: Bool { !chunks.isEmpty || !restores.isEmpty || !saves.isEmpty || !retiredRequestIDs.isEmpty }
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
