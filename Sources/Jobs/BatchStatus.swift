/// Where a batch is in its life, with OpenAI's names.
///
/// ```
/// validating ──▶ in_progress ──▶ finalizing ──▶ completed
///     │  │            │  │
///     │  │            │  └──▶ expired      (the completion window ran out)
///     │  │            ▼
///     │  └──────▶ cancelling ──▶ cancelled
///     ▼
///   failed                                  (the input did not validate)
/// ```
///
/// `allowedNextStatuses` is the one place this life cycle is written down; every change of
/// status in the store goes through `StoredBatch.transitioned(to:at:)`, which checks it.
public enum BatchStatus: String, Sendable, Hashable, CaseIterable {
    case validating
    case failed
    case inProgress = "in_progress"
    case finalizing
    case completed
    case expired
    case cancelling
    case cancelled

    /// The statuses this one may move to.
    public var allowedNextStatuses: Set<BatchStatus> {
        switch self {
        case .validating: [.inProgress, .failed, .cancelling, .expired]
        case .inProgress: [.finalizing, .cancelling, .expired]
        case .finalizing: [.completed]
        case .cancelling: [.cancelled]
        case .failed, .completed, .expired, .cancelled: []
        }
    }

    public func canTransition(to next: BatchStatus) -> Bool {
        allowedNextStatuses.contains(next)
    }

    /// A batch the server's batch worker still has to do something with: after a restart it
    /// picks these up again (`SQLiteJobStore.activeBatches()`).
    public var isActive: Bool {
        switch self {
        case .validating, .inProgress, .finalizing, .cancelling: true
        case .failed, .completed, .expired, .cancelled: false
        }
    }

    /// Whether results may still be recorded: lines run while in progress, and lines already
    /// running when a cancel arrives still finish and count (as OpenAI's do).
    public var acceptsResults: Bool {
        self == .inProgress || self == .cancelling
    }
}
