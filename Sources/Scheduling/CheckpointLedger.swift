/// Accounting for the checkpoint tier: which slots are free. Each slot holds a copy of one KV
/// block; a request owns the slots of its leading blocks (`ScheduledRequest.checkpointSlots`).
/// The copies themselves are transfers in the scheduler's output that the executor performs.
public struct CheckpointLedger: Sendable {
    public let slotCount: Int
    private var freeSlots: [Int32]

    public init(slotCount: Int) {
        self.slotCount = max(0, slotCount)
        freeSlots = (0 ..< Int32(self.slotCount)).reversed()
    }

    public var freeCount: Int { freeSlots.count }
    public var usedCount: Int { slotCount - freeSlots.count }
    public var isEnabled: Bool { slotCount > 0 }

    mutating func reserve() -> Int32? { freeSlots.popLast() }

    mutating func release(_ slots: some Sequence<Int32>) { freeSlots.append(contentsOf: slots) }

    /// Checks the free list against the slots requests hold: each slot held or free, exactly once.
    public func integrityViolation(holders: some Sequence<ScheduledRequest>) -> String? {
        var seen = Array(repeating: 0, count: slotCount)
        for slot in freeSlots { seen[Int(slot)] += 1 }
        for request in holders { for slot in request.checkpointSlots { seen[Int(slot)] += 1 } }
        if let bad = seen.firstIndex(where: { $0 != 1 }) {
            return "checkpoint slot \(bad) is held or free \(seen[bad]) times"
        }
        return nil
    }
}
