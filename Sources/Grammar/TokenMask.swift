/// A set of token ids, one bit each: which tokens may come next.
public struct TokenMask: Sendable, Equatable {
    public private(set) var words: [UInt64]
    public let count: Int

    /// Bytes the mask's words take.
    public var byteCount: Int { words.count * MemoryLayout<UInt64>.stride }

    /// No token allowed.
    public init(count: Int) {
        self.count = count
        words = Array(repeating: 0, count: (count + 63) / 64)
    }

    @inline(__always)
    public func contains(_ id: Int) -> Bool {
        id >= 0 && id < count && words[id >> 6] & (1 << UInt64(id & 63)) != 0
    }

    @inline(__always)
    public mutating func insert(_ id: Int) {
        words[id >> 6] |= 1 << UInt64(id & 63)
    }

    public mutating func formUnion(_ other: TokenMask) {
        for i in words.indices { words[i] |= other.words[i] }
    }

    /// How many tokens are allowed.
    public var allowedCount: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }

    /// The allowed ids, ascending. For tests and debugging; allocates.
    public var allowedIDs: [Int] { (0..<count).filter { contains($0) } }
}
