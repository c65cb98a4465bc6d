import HeapModule
/// SentencePiece BPE on one fragment of text (spaces already escaped as `▁`): start from UTF-8
/// characters and repeatedly merge the adjacent pair whose concatenation is the vocabulary
/// piece with the highest score (leftmost on ties). Characters no piece covers fall back to
/// byte tokens `<0xXX>`, or to the unknown token when the vocabulary has none.
struct SentencePieceMerger: Sendable {
    /// Piece bytes -> id, for the pieces merging may produce (normal and user-defined tokens).
    let pieceIDs: [[UInt8]: Int32]
    let scores: [Float]
    /// Byte value -> its `<0xXX>` token, or -1.
    let byteTokens: [Int32]
    let unknownID: Int32?

    private struct Candidate: Comparable {
        var score: Float
        var left: Int32
        var right: Int32
        var length: Int32

        /// Heap order (`popMin` first): higher score first, then the leftmost.
        static func < (a: Candidate, b: Candidate) -> Bool {
            a.score > b.score || (a.score == b.score && a.left < b.left)
        }
    }

    func encode(_ text: [UInt8], into out: inout [Int32]) {
        guard !text.isEmpty else { return }
        // Symbols: one UTF-8 character each, as (start, length) into `text`, in a linked list.
        var start: [Int32] = [], length: [Int32] = [], prev: [Int32] = [], next: [Int32] = []
        var offset = 0
        while offset < text.count {
            let n = min(UTF8Tail.sequenceLength(lead: text[offset]), text.count - offset)
            start.append(Int32(offset))
            length.append(Int32(n))
            offset += n
        }
        let count = start.count
        for i in 0..<count {
            prev.append(Int32(i - 1))
            next.append(i + 1 < count ? Int32(i + 1) : -1)
        }

        var heap = Heap<Candidate>()
        func tryAdd(_ left: Int32, _ right: Int32) {
            guard left >= 0, right >= 0 else { return }
            let s = Int(start[Int(left)]), n = Int(length[Int(left)] + length[Int(right)])
            guard let id = pieceIDs[Array(text[s..<(s + n)])] else { return }
            heap.insert(Candidate(score: scores[Int(id)], left: left, right: right, length: Int32(n)))
        }
        for i in 1..<max(count, 1) { tryAdd(Int32(i - 1), Int32(i)) }

        while let best = heap.popMin() {
            let l = Int(best.left), r = Int(best.right)
            // Stale: one side was merged into something else since this pair was seen.
            guard length[l] > 0, length[r] > 0, next[l] == best.right,
                  length[l] + length[r] == best.length else { continue }
            length[l] += length[r]
            length[r] = 0
            next[l] = next[r]
            if next[r] >= 0 { prev[Int(next[r])] = best.left }
            tryAdd(prev[l], best.left)
            tryAdd(best.left, next[l])
        }

        var i: Int32 = 0
        while i >= 0 {
            let s = Int(start[Int(i)]), n = Int(length[Int(i)])
            if let id = pieceIDs[Array(text[s..<(s + n)])] {
                out.append(id)
            } else {
                for b in text[s..<(s + n)] {
                    let id = byteTokens[Int(b)]
                    if id >= 0 {
                        out.append(id)
                    } else if let unknownID {
                        out.append(unknownID)
                    }
                }
            }
            i = next[Int(i)]
        }
    }
}
