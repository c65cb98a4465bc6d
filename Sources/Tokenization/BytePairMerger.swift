import HeapModule
/// Byte-level BPE on one pre-tokenized word. Works on token ids, never strings: each byte
/// starts as the token that spells it, and the merge table maps an adjacent id pair to its rank
/// and the id of the merged token. The lowest-ranked adjacent pair is merged first (leftmost
/// on ties), through a min-heap over a linked list of symbols: O(n log n) in the word length.
struct BytePairMerger: Sendable {
    /// Byte value -> the token spelling that single byte, or -1.
    let byteTokens: [Int32]
    /// (left id << 32 | right id) -> (rank << 32 | merged id).
    let merges: [UInt64: UInt64]

    @inline(__always)
    static func pairKey(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    /// Reusable buffers for one `encode` call, so that words allocate nothing.
    struct Scratch {
        var ids: [Int32] = []
        var next: [Int32] = []
        var prev: [Int32] = []
        var pairRank: [Int32] = []
        var pairMerged: [Int32] = []
        var heap = Heap<UInt64>() // rank << 32 | left index: smallest rank, then leftmost, first out
    }

    private static let noPair: Int32 = -1

    func encode(_ word: UnsafeBufferPointer<UInt8>, into out: inout [Int32], scratch: inout Scratch) {
        let n = word.count
        guard n > 0 else { return }
        if n == 1 {
            let id = byteTokens[Int(word[0])]
            if id >= 0 { out.append(id) }
            return
        }
        scratch.ids.removeAll(keepingCapacity: true)
        scratch.next.removeAll(keepingCapacity: true)
        scratch.prev.removeAll(keepingCapacity: true)
        scratch.heap.removeAll { _ in true } // keeps its storage
        for i in 0..<n {
            scratch.ids.append(byteTokens[Int(word[i])])
            scratch.prev.append(Int32(i - 1))
            scratch.next.append(i + 1 < n ? Int32(i + 1) : -1)
        }
        scratch.pairRank.removeAll(keepingCapacity: true)
        scratch.pairRank.append(contentsOf: repeatElement(Self.noPair, count: n))
        if scratch.pairMerged.count < n {
            scratch.pairMerged.append(contentsOf: repeatElement(0, count: n - scratch.pairMerged.count))
        }

        for i in 0..<(n - 1) { setPair(Int32(i), &scratch) }

        while let top = scratch.heap.popMin() {
            let rank = Int32(truncatingIfNeeded: top >> 32)
            let left = Int(truncatingIfNeeded: top & 0xFFFF_FFFF)
            // Stale entry: the pair at `left` changed since it was pushed (a different rank),
            // or `left` itself was merged away (its rank reset to noPair).
            guard scratch.pairRank[left] == rank else { continue }
            let right = Int(scratch.next[left])
            scratch.ids[left] = scratch.pairMerged[left]
            scratch.pairRank[right] = Self.noPair
            let after = scratch.next[right]
            scratch.next[left] = after
            if after >= 0 { scratch.prev[Int(after)] = Int32(left) }
            let before = scratch.prev[left]
            if before >= 0 { setPair(before, &scratch) }
            setPair(Int32(left), &scratch)
        }

        var i: Int32 = 0
        while i >= 0 {
            let id = scratch.ids[Int(i)]
            if id >= 0 { out.append(id) }
            i = scratch.next[Int(i)]
        }
    }

    @inline(__always)
    private func setPair(_ left: Int32, _ scratch: inout Scratch) {
        let l = Int(left)
        let right = scratch.next[l]
        guard right >= 0 else {
            scratch.pairRank[l] = Self.noPair
            return
        }
        let a = scratch.ids[l], b = scratch.ids[Int(right)]
        guard a >= 0, b >= 0, let found = merges[Self.pairKey(a, b)] else {
            scratch.pairRank[l] = Self.noPair
            return
        }
        let rank = Int32(truncatingIfNeeded: found >> 32)
        scratch.pairRank[l] = rank
        scratch.pairMerged[l] = Int32(truncatingIfNeeded: found & 0xFFFF_FFFF)
        scratch.heap.insert(UInt64(UInt32(rank)) << 32 | UInt64(UInt32(left)))
    }
}
