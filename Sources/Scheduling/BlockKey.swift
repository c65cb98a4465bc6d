/// The content key of a full KV block: the tokens it holds and a digest of every token before
/// them. A block's keys and values depend on the whole prefix (through attention) and on
/// positions, so equal keys mean equal KV, and a new request may reuse the block.
///
/// The tokens are kept, not only hashed, so a match is exact for the block itself; the prefix
/// is folded into a 64-bit digest, as vLLM folds it into its block hash.
public struct BlockKey: Hashable, Sendable {
    public let prefixDigest: UInt64
    public let tokens: [Int32]

    /// The digest a following block chains from.
    public var digest: UInt64 {
        var h = prefixDigest ^ 0x9E37_79B9_7F4A_7C15
        for token in tokens { h = Self.mix(h ^ UInt64(UInt32(bitPattern: token))) }
        return Self.mix(h ^ UInt64(tokens.count))
    }

    /// Keys of the full blocks of `tokens[0..<count]`, starting after `previous` (the key of
    /// the block before the first one wanted, or nil from the start).
    static func chain(_ tokens: [Int32], blockSize: Int, fullBlocks range: Range<Int>, after previous: BlockKey?) -> [BlockKey] {
        var digest = previous?.digest ?? 0
        var keys: [BlockKey] = []
        keys.reserveCapacity(range.count)
        for b in range {
            let key = BlockKey(prefixDigest: digest, tokens: Array(tokens[b * blockSize ..< (b + 1) * blockSize]))
            keys.append(key)
            digest = key.digest
        }
        return keys
    }

    /// splitmix64's finalizer: every input bit moves every output bit.
    private static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
