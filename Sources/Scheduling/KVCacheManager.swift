/// Which blocks each request's KV lives in: allocation as requests grow, release when they
/// stop, and prefix caching (full blocks registered by content, reused by later requests).
public struct KVCacheManager: Sendable {
    public let blockSize: Int
    public let prefixCaching: Bool
    public private(set) var pool: BlockPool

    public init(blockCount: Int, blockSize: Int, prefixCaching: Bool = true) {
        precondition(blockSize > 0)
        self.blockSize = blockSize
        self.prefixCaching = prefixCaching
        pool = BlockPool(blockCount: blockCount)
    }

    public func blocksNeeded(forTokens n: Int) -> Int { (n + blockSize - 1) / blockSize }

    /// The cached blocks holding the longest prefix of `request`'s tokens, in full blocks.
    /// At least one token is always left to compute: the step that samples needs its logits.
    /// Nothing from `request.promptLogitsRange` on is taken either: those positions must run
    /// for their logits.
    func cachedPrefix(of request: ScheduledRequest) -> (blocks: [Int32], keys: [BlockKey]) {
        guard prefixCaching else { return ([], []) }
        let reusable = min(request.numTokens - 1, request.promptLogitsRange?.lowerBound ?? .max)
        let candidates = reusable / blockSize
        guard candidates > 0 else { return ([], []) }
        var blocks: [Int32] = []
        var keys: [BlockKey] = []
        var previous: BlockKey?
        for b in 0 ..< candidates {
            let key = BlockKey.chain(request.tokens, blockSize: blockSize, fullBlocks: b ..< b + 1, after: previous)[0]
            guard let block = pool.cachedBlock(for: key) else { break }
            blocks.append(block)
            keys.append(key)
            previous = key
        }
        return (blocks, keys)
    }

    /// Starts a request with no blocks on its cached prefix: takes references on those blocks
    /// and marks their tokens computed. Returns the number of tokens served from the cache.
    mutating func attachCachedPrefix(_ request: ScheduledRequest, blocks: [Int32], keys: [BlockKey]) -> Int {
        precondition(request.blockTable.isEmpty)
        for block in blocks { pool.retain(block) }
        request.blockTable = blocks
        request.blockKeys = keys
        let tokens = blocks.count * blockSize
        request.numComputedTokens = tokens
        request.numCachedTokens = tokens
        return tokens
    }

    /// New blocks `request` needs so that its table covers `positions` positions.
    func blocksMissing(_ request: ScheduledRequest, toCover positions: Int) -> Int {
        max(0, blocksNeeded(forTokens: positions) - request.blockTable.count)
    }

    /// Grows `request`'s table to cover `positions` positions; all or nothing.
    mutating func grow(_ request: ScheduledRequest, toCover positions: Int) -> Bool {
        let missing = blocksMissing(request, toCover: positions)
        guard missing <= pool.freeCount else { return false }
        for _ in 0 ..< missing { request.blockTable.append(pool.allocate()!) }
        return true
    }

    /// Allocates `count` fresh blocks onto the end of `request`'s table (restore targets).
    mutating func append(_ request: ScheduledRequest, count: Int) -> [Int32]? {
        guard count <= pool.freeCount else { return nil }
        let blocks = (0 ..< count).map { _ in pool.allocate()! }
        request.blockTable += blocks
        return blocks
    }

    /// Returns every block of `request` to the pool, last block first.
    mutating func free(_ request: ScheduledRequest) {
        for block in request.blockTable.reversed() { pool.release(block) }
        request.blockTable = []
        request.blockKeys = []
        request.numComputedTokens = 0
        request.numCachedTokens = 0
    }

    /// Registers the full, computed blocks of `request` not yet in the prefix cache.
    mutating func cacheFullBlocks(_ request: ScheduledRequest) {
        guard prefixCaching else { return }
        let full = request.numComputedTokens / blockSize
        let have = request.blockKeys.count
        guard full > have else { return }
        let keys = BlockKey.chain(request.tokens, blockSize: blockSize, fullBlocks: have ..< full, after: request.blockKeys.last)
        for (i, key) in keys.enumerated() { pool.register(request.blockTable[have + i], as: key) }
        request.blockKeys += keys
    }

    public func integrityViolation(holders: some Sequence<ScheduledRequest>) -> String? {
        var references: [Int32: Int] = [:]
        for request in holders {
            for block in request.blockTable { references[block, default: 0] += 1 }
        }
        return pool.integrityViolation(expectedReferences: references)
    }
}
