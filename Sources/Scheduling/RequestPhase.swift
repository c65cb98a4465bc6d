/// Where a request is in its life. Transitions:
///
///     waiting → running → finished | cancelled
///     running → paused (KV checkpointed, blocks freed) → running
///     running → preempted (KV dropped, to recompute) → running
///     paused → preempted (its checkpoint was evicted)
///
/// Paused and preempted requests wait in the same queue as new ones, at their arrival position.
public enum RequestPhase: Sendable, Hashable {
    case waiting
    case running
    case paused
    case preempted
    case finished(FinishReason)
    case cancelled

    public var isDone: Bool {
        switch self {
        case .finished, .cancelled: true
        default: false
        }
    }

    /// Waiting for the scheduler to (re)admit it.
    public var isQueued: Bool {
        switch self {
        case .waiting, .paused, .preempted: true
        default: false
        }
    }
}

/// Why a request stopped producing tokens (OpenAI's `finish_reason` values).
public enum FinishReason: String, Sendable, Hashable, Codable {
    /// An end-of-generation token, a stop token id or a stop string.
    case stop
    /// `max_tokens`, or the context is full.
    case length
}

/// How a request left the running set without finishing.
public enum PreemptionKind: String, Sendable, Hashable, CaseIterable {
    /// A step abandoned between layers (the request keeps its KV; the step is redone).
    case layer
    /// KV freed; the request is recomputed from its tokens when readmitted.
    case recompute
    /// KV blocks freed after their checkpoint; restored from the checkpoint tier when readmitted.
    case pause
}
