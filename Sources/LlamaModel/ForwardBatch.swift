/// The work of one step: token runs from several sequences, each continuing at its own
/// position with its own block table. Prefill chunks and single decode tokens mix freely.
///
/// Reused across steps: `removeAll()` keeps the storage, so once it has grown to the
/// largest step it allocates nothing.
public struct ForwardBatch: Sendable {
    /// What a sequence wants back from the step.
    public enum Logits: Sendable { case none, last, all }

    public private(set) var tokens: [Int32] = []
    /// Position of each token in its sequence.
    public private(set) var positions: [Int32] = []
    /// Index of each token's sequence in `sequenceStarts` etc.
    public private(set) var tokenSequence: [Int32] = []
    /// Tokens whose logits are computed, in order; logits row i belongs to token `logitTokens[i]`.
    public private(set) var logitTokens: [Int32] = []
    /// Per sequence: first token index in `tokens`, token count, and its slice of `blockTables`.
    public private(set) var sequenceStarts: [Int32] = []
    public private(set) var sequenceCounts: [Int32] = []
    public private(set) var blockTableStarts: [Int32] = []
    public private(set) var blockTableCounts: [Int32] = []
    public private(set) var blockTables: [Int32] = []

    public init() {}

    public var tokenCount: Int { tokens.count }
    public var sequenceCount: Int { sequenceStarts.count }
    public var logitCount: Int { logitTokens.count }

    public mutating func removeAll() {
        tokens.removeAll(keepingCapacity: true)
        positions.removeAll(keepingCapacity: true)
        tokenSequence.removeAll(keepingCapacity: true)
        logitTokens.removeAll(keepingCapacity: true)
        sequenceStarts.removeAll(keepingCapacity: true)
        sequenceCounts.removeAll(keepingCapacity: true)
        blockTableStarts.removeAll(keepingCapacity: true)
        blockTableCounts.removeAll(keepingCapacity: true)
        blockTables.removeAll(keepingCapacity: true)
    }

    /// Adds `tokens` of one sequence at positions `startPosition...`; the block table must
    /// cover every position up to the last of them. Returns the index of the first logits
    /// row this sequence gets (meaningful when `logits` is not `.none`).
    ///
    /// Inlinable so it is specialized for the caller's collections: iterating a collection
    /// through the unspecialized generic path allocates, and a step must not.
    @inlinable @discardableResult
    public mutating func add<T: Collection<Int32>, B: Collection<Int32>>(
        tokens newTokens: T, startPosition: Int, blockTable: B, logits: Logits = .last
    ) -> Int {
        appendSequence(tokenCount: newTokens.count, startPosition: startPosition, tableCount: blockTable.count, logits: logits,
                       tokens: { emit in for token in newTokens { emit(token) } },
                       blocks: { emit in for block in blockTable { emit(block) } })
    }

    @usableFromInline
    mutating func appendSequence(tokenCount: Int, startPosition: Int, tableCount: Int, logits: Logits,
                                 tokens forEachToken: ((Int32) -> Void) -> Void,
                                 blocks forEachBlock: ((Int32) -> Void) -> Void) -> Int {
        let sequence = Int32(sequenceStarts.count)
        let first = tokens.count
        let firstLogitRow = logitTokens.count
        sequenceStarts.append(Int32(first))
        sequenceCounts.append(Int32(tokenCount))
        blockTableStarts.append(Int32(blockTables.count))
        blockTableCounts.append(Int32(tableCount))
        forEachBlock { blockTables.append($0) }
        var position = Int32(startPosition)
        forEachToken { token in
            tokens.append(token)
            positions.append(position)
            tokenSequence.append(sequence)
            position += 1
        }
        switch logits {
        case .none: break
        case .last: if tokenCount > 0 { logitTokens.append(Int32(tokens.count - 1)) }
        case .all: for t in first ..< tokens.count { logitTokens.append(Int32(t)) }
        }
        return firstLogitRow
    }
}
