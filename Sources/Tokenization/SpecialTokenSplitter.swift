/// Cuts text at the special tokens it spells, before any merging, as llama.cpp does: tokens
/// are taken longest first, and each one splits every stretch of plain text left by the
/// longer ones at all its occurrences. Control and unknown tokens take part only when special
/// tokens are parsed; user-defined tokens always do.
struct SpecialTokenSplitter: Sendable {
    enum Fragment: Equatable {
        case text(Range<Int>)
        case token(Int32)
    }

    struct Entry: Sendable {
        let bytes: [UInt8]
        let id: Int32
        /// Control or unknown: matched only when parsing special tokens.
        let onlyWhenParsing: Bool
    }

    /// Longest first; equal lengths by id.
    let entries: [Entry]

    init(entries: [Entry]) {
        self.entries = entries.filter { !$0.bytes.isEmpty }.sorted {
            $0.bytes.count != $1.bytes.count ? $0.bytes.count > $1.bytes.count : $0.id < $1.id
        }
    }

    func split(_ text: [UInt8], parseSpecial: Bool) -> [Fragment] {
        var fragments: [Fragment] = [.text(0..<text.count)]
        guard !text.isEmpty else { return [] }
        // Which byte values occur at all: most special tokens are skipped on their first byte.
        var present = [Bool](repeating: false, count: 256)
        for b in text { present[Int(b)] = true }
        text.withUnsafeBufferPointer { t in
            for entry in entries where (parseSpecial || !entry.onlyWhenParsing) && present[Int(entry.bytes[0])] {
                var updated: [Fragment]? = nil
                for (index, fragment) in fragments.enumerated() {
                    guard case let .text(range) = fragment,
                          let first = Self.find(entry.bytes, in: t, range) else {
                        updated?.append(fragment)
                        continue
                    }
                    if updated == nil { updated = Array(fragments[..<index]) }
                    var from = range.lowerBound
                    var match: Int? = first
                    while let m = match {
                        if m > from { updated!.append(.text(from..<m)) }
                        updated!.append(.token(entry.id))
                        from = m + entry.bytes.count
                        match = Self.find(entry.bytes, in: t, from..<range.upperBound)
                    }
                    if from < range.upperBound { updated!.append(.text(from..<range.upperBound)) }
                }
                if let updated { fragments = updated }
            }
        }
        return fragments
    }

    /// The first occurrence of `needle` in `haystack[range]`.
    private static func find(_ needle: [UInt8], in haystack: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int? {
        let n = needle.count
        guard n <= range.count else { return nil }
        let first = needle[0]
        var i = range.lowerBound
        let last = range.upperBound - n
        while i <= last {
            if haystack[i] == first {
                var j = 1
                while j < n && haystack[i + j] == needle[j] { j += 1 }
                if j == n { return i }
            }
            i += 1
        }
        return nil
    }
}
