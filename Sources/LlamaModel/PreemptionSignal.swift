import Synchronization

/// A flag the forward pass reads between layers; raising it makes a running step return
/// early with nothing committed (layer-wise preemption).
public final class PreemptionSignal: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    public func raise() { flag.store(true, ordering: .releasing) }
    public func clear() { flag.store(false, ordering: .releasing) }
    public var isRaised: Bool { flag.load(ordering: .acquiring) }
}

/// How a forward pass ended.
public enum ForwardOutcome: Sendable, Equatable {
    case completed
    /// The signal was seen after this many layers; logits are not valid.
    case preempted(afterLayer: Int)
}
