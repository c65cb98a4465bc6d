/// The vocabulary's token byte strings as a prefix tree, laid out flat in preorder, so that a
/// walk over every token shares the work of common prefixes and skips a whole subtree with
/// one index jump when its first byte is refused.
struct TokenTrie: Sendable {
    /// Per node: the byte on the edge into it, its depth (1 for the root's children), the
    /// index just past its subtree, and its range in `tokens` (the ids whose bytes end here).
    var byte: [UInt8] = []
    var depth: [Int32] = []
    var subtreeEnd: [Int32] = []
    var tokenStart: [Int32] = []
    var tokenEnd: [Int32] = []
    var tokens: [Int32] = []
    let maxDepth: Int

    init(tokenBytes: [[UInt8]?]) {
        let ids = tokenBytes.indices.filter { (tokenBytes[$0]?.count ?? 0) > 0 }
            .sorted { tokenBytes[$0]!.lexicographicallyPrecedes(tokenBytes[$1]!) }
        var path: [Int] = []  // node index per depth - 1
        var pathBytes: [UInt8] = []
        var maxDepth = 0
        for id in ids {
            let bytes = tokenBytes[id]!
            maxDepth = max(maxDepth, bytes.count)
            var common = 0
            while common < min(bytes.count, pathBytes.count) && bytes[common] == pathBytes[common] { common += 1 }
            while path.count > common {
                subtreeEnd[path.removeLast()] = Int32(byte.count)
                pathBytes.removeLast()
            }
            for d in common..<bytes.count {
                path.append(byte.count)
                pathBytes.append(bytes[d])
                byte.append(bytes[d])
                depth.append(Int32(d + 1))
                subtreeEnd.append(0)
                tokenStart.append(Int32(tokens.count))
                tokenEnd.append(Int32(tokens.count))
            }
            // Sorted order puts a token right after its node is made (or after its duplicates).
            tokens.append(Int32(id))
            tokenEnd[path.last!] = Int32(tokens.count)
        }
        for node in path { subtreeEnd[node] = Int32(byte.count) }
        self.maxDepth = maxDepth
    }

    var nodeCount: Int { byte.count }
}
