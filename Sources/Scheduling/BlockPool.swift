import DequeModule

/// Accounting for the KV pool's blocks: reference counts, the free queue and the prefix cache.
///
/// A block with no references is free, but keeps its content key while it waits in the free
/// queue, so a later request with the same prefix can take it back (a prefix-cache hit).
/// Allocation takes the block that has been free the longest, evicting its key: the queue is
/// an LRU of cached content. Freed blocks of one request go in tail first, so a request's
/// leading blocks (the ones most likely shared) are evicted last.
public struct BlockPool: Sendable {
    public let blockCount: Int
    private var referenceCounts: [Int32]
    /// Free blocks, oldest first. Entries are stamped; a block taken back out of the queue
    /// (a cache hit) bumps its stamp, and stale entries are skipped when they reach the front.
    private var freeQueue: Deque<(block: Int32, stamp: UInt32)>
    private var stamps: [UInt32]
    public private(set) var freeCount: Int
    private var keyOfBlock: [BlockKey?]
    private var blockOfKey: [BlockKey: Int32] = [:]

    public init(blockCount: Int) {
        precondition(blockCount > 0)
        self.blockCount = blockCount
        referenceCounts = Array(repeating: 0, count: blockCount)
        stamps = Array(repeating: 0, count: blockCount)
        freeQueue = Deque((0 ..< blockCount).map { (Int32($0), UInt32(0)) })
        freeCount = blockCount
        keyOfBlock = Array(repeating: nil, count: blockCount)
    }

    public var usedCount: Int { blockCount - freeCount }
    /// Blocks whose content is registered in the prefix cache (used or free).
    public var cachedCount: Int { blockOfKey.count }

    public func referenceCount(_ block: Int32) -> Int { Int(referenceCounts[Int(block)]) }

    /// Takes the longest-free block, dropping whatever content key it had.
    public mutating func allocate() -> Int32? {
        while let entry = freeQueue.popFirst() {
            let b = Int(entry.block)
            guard entry.stamp == stamps[b], referenceCounts[b] == 0 else { continue }
            if let key = keyOfBlock[b] {
                blockOfKey[key] = nil
                keyOfBlock[b] = nil
            }
            referenceCounts[b] = 1
            freeCount -= 1
            return entry.block
        }
        return nil
    }

    /// The cached block holding `key`, if any.
    public func cachedBlock(for key: BlockKey) -> Int32? { blockOfKey[key] }

    /// Adds a reference to a block (a prefix-cache hit); a free block leaves the free queue.
    public mutating func retain(_ block: Int32) {
        let b = Int(block)
        if referenceCounts[b] == 0 {
            stamps[b] &+= 1
            freeCount -= 1
        }
        referenceCounts[b] += 1
    }

    /// Drops a reference; at zero the block joins the back of the free queue, key kept.
    public mutating func release(_ block: Int32) {
        let b = Int(block)
        precondition(referenceCounts[b] > 0, "block \(block) released more often than retained")
        referenceCounts[b] -= 1
        if referenceCounts[b] == 0 {
            stamps[b] &+= 1
            freeQueue.append((block, stamps[b]))
            freeCount += 1
            if freeQueue.count > 4 * blockCount { compactFreeQueue() }
        }
    }

    /// Records that `block` now holds the content `key`. When another block already holds
    /// it (two requests computed the same prefix at once), the first one stays the cached copy.
    public mutating func register(_ block: Int32, as key: BlockKey) {
        let b = Int(block)
        guard keyOfBlock[b] == nil, blockOfKey[key] == nil else { return }
        keyOfBlock[b] = key
        blockOfKey[key] = block
    }

    /// Drops every cached key (the blocks stay where they are).
    public mutating func clearCache() {
        blockOfKey.removeAll()
        for b in keyOfBlock.indices { keyOfBlock[b] = nil }
    }

    private mutating func compactFreeQueue() {
        freeQueue = Deque(freeQueue.filter { $0.stamp == stamps[Int($0.block)] && referenceCounts[Int($0.block)] == 0 })
    }

    /// Checks the pool against the references its owners say they hold: every count matches,
    /// the free count is the number of unreferenced blocks, each of which is in the free queue
    /// exactly once, and the cache maps are inverse. Returns what is wrong, or nil.
    public func integrityViolation(expectedReferences: [Int32: Int]) -> String? {
        for b in 0 ..< blockCount where Int(referenceCounts[b]) != expectedReferences[Int32(b), default: 0] {
            return "block \(b) has \(referenceCounts[b]) references, its owners hold \(expectedReferences[Int32(b), default: 0])"
        }
        let unreferenced = referenceCounts.filter { $0 == 0 }.count
        guard unreferenced == freeCount else { return "free count \(freeCount), unreferenced blocks \(unreferenced)" }
        var queued = Array(repeating: 0, count: blockCount)
        for entry in freeQueue where entry.stamp == stamps[Int(entry.block)] { queued[Int(entry.block)] += 1 }
        for b in 0 ..< blockCount {
            let expected = referenceCounts[b] == 0 ? 1 : 0
            guard queued[b] == expected else { return "block \(b) is in the free queue \(queued[b]) times, expected \(expected)" }
        }
        for (key, block) in blockOfKey where keyOfBlock[Int(block)] != key { return "cache maps disagree on block \(block)" }
        guard keyOfBlock.compactMap({ $0 }).count == blockOfKey.count else { return "cache maps differ in size" }
        return nil
    }
}
