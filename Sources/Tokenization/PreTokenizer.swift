/// How byte-level BPE text is cut into words before merging, one case per split pattern
/// (named by `tokenizer.ggml.pre`). Each pattern is a hand-written matcher over Unicode
/// scalars that gives the same pieces llama.cpp's pre-tokenizer of that name gives.
public enum PreTokenizer: String, Sendable, CaseIterable {
    /// GPT-2: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`.
    case gpt2
    /// SmolLM, StarCoder: every `\p{N}` scalar on its own, then the GPT-2 pattern on the rest.
    case smollm
    /// Llama 3: case-insensitive contractions, `[^\r\n\p{L}\p{N}]?\p{L}+`, digits in groups of
    /// up to three, `?[^\s\p{L}\p{N}]+[\r\n]*`, `\s*[\r\n]+`, `\s+(?!\S)`, `\s+`.
    case llama3
    /// Qwen 2: the Llama 3 pattern with digits one at a time.
    case qwen2
    /// llama.cpp's fallback: runs of punctuation apart, the GPT-2 pattern, digit runs apart,
    /// then ASCII digits in groups of three.
    case `default`

    /// GGUF `tokenizer.ggml.pre` names and the pattern each one uses.
    static let ggufNames: [String: PreTokenizer] = [
        "gpt2": .gpt2, "gpt-2": .gpt2, "phi-2": .gpt2, "mpt": .gpt2, "olmo": .gpt2, "jais": .gpt2,
        "smollm": .smollm, "starcoder": .smollm, "refact": .smollm, "command-r": .smollm,
        "codeshell": .smollm, "exaone": .smollm, "minerva-7b": .smollm,
        "llama3": .llama3, "llama-v3": .llama3, "llama-bpe": .llama3, "falcon3": .llama3,
        "pixtral": .llama3, "dbrx": .llama3, "smaug-bpe": .llama3,
        "qwen2": .qwen2, "deepseek-r1-qwen": .qwen2, "stablelm2": .qwen2, "megrez": .qwen2,
        "default": .default,
    ]

    /// Names whose models look whole words up in the vocabulary before merging.
    static let ignoreMergesNames: Set<String> = ["llama3", "llama-v3", "llama-bpe", "falcon3", "pixtral"]

    static var supportedGGUFNames: [String] { Array(ggufNames.keys) }

    /// The pattern a GGUF `tokenizer.ggml.pre` value names, or nil if it is not supported.
    public init?(ggufName: String) {
        guard let p = Self.ggufNames[ggufName] else { return nil }
        self = p
    }

    /// The words `text` is cut into (for tests and debugging; encoding uses the scalar form).
    public func split(_ text: String) -> [String] {
        let scalars = text.unicodeScalars.map(\.value)
        let classes = scalars.map(CharacterClass.of)
        var words: [Range<Int>] = []
        split(scalars, classes, into: &words)
        return words.map { r in
            var view = String.UnicodeScalarView()
            for v in scalars[r] { view.append(Unicode.Scalar(v)!) }
            return String(view)
        }
    }

    /// Appends the words of `scalars` (with their classes) as index ranges, in order.
    func split(_ scalars: [UInt32], _ classes: [UInt8], into words: inout [Range<Int>]) {
        let all = 0..<scalars.count
        guard !all.isEmpty else { return }
        scalars.withUnsafeBufferPointer { s in
            classes.withUnsafeBufferPointer { c in
                let m = Matcher(s: s, c: c)
                switch self {
                case .gpt2: m.gpt2(all, &words)
                case .smollm: m.smollm(all, &words)
                case .llama3: m.llama3(all, maxDigits: 3, &words)
                case .qwen2: m.llama3(all, maxDigits: 1, &words)
                case .default: m.fallback(all, &words)
                }
            }
        }
    }
}

/// The matchers. Each walks one range left to right; at every position it tries the pattern's
/// alternatives in order, as a backtracking regex engine would, and emits the match.
private struct Matcher {
    let s: UnsafeBufferPointer<UInt32>
    let c: UnsafeBufferPointer<UInt8>

    private static let apostrophe: UInt32 = 0x27, space: UInt32 = 0x20, cr: UInt32 = 0x0D, lf: UInt32 = 0x0A

    /// Length of a contraction (`'s`, `'t`, `'m`, `'d`, `'re`, `'ve`, `'ll`) at `pos`, or 0.
    @inline(__always)
    private func contraction(at pos: Int, end: Int, caseInsensitive: Bool) -> Int {
        guard s[pos] == Self.apostrophe, pos + 1 < end else { return 0 }
        func lower(_ v: UInt32) -> UInt32 { caseInsensitive && (0x41...0x5A).contains(v) ? v + 0x20 : v }
        let a = lower(s[pos + 1])
        if a == 0x73 || a == 0x74 || a == 0x6D || a == 0x64 { return 2 } // s t m d
        guard pos + 2 < end else { return 0 }
        let b = lower(s[pos + 2])
        if (a == 0x72 && b == 0x65) || (a == 0x76 && b == 0x65) || (a == 0x6C && b == 0x6C) { return 3 } // re ve ll
        return 0
    }

    @inline(__always)
    private func cls(_ pos: Int, _ end: Int) -> UInt8 { pos < end ? c[pos] : CharacterClass.none }

    func gpt2(_ range: Range<Int>, _ out: inout [Range<Int>]) {
        let end = range.upperBound
        var pos = range.lowerBound
        while pos < end {
            let start = pos
            let k = contraction(at: pos, end: end, caseInsensitive: false)
            if k > 0 {
                out.append(start..<(pos + k))
                pos += k
                continue
            }
            let leadingSpace = s[pos] == Self.space
            let next = leadingSpace ? cls(pos + 1, end) : c[pos]
            // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`
            if next == CharacterClass.letter || next == CharacterClass.number || next == CharacterClass.other {
                if leadingSpace { pos += 1 }
                while pos < end && c[pos] == next { pos += 1 }
                out.append(start..<pos)
                continue
            }
            // `\s+(?!\S)`, `\s+`
            var n = 0
            while pos + n < end && c[pos + n] == CharacterClass.whitespace { n += 1 }
            if n > 1 && pos + n < end {
                pos += n - 1
            } else if n > 0 {
                pos += n
            } else {
                pos += 1
            }
            out.append(start..<pos)
        }
    }

    func smollm(_ range: Range<Int>, _ out: inout [Range<Int>]) {
        var pieceStart = range.lowerBound
        for i in range where c[i] == CharacterClass.number {
            if i > pieceStart { gpt2(pieceStart..<i, &out) }
            out.append(i..<(i + 1))
            pieceStart = i + 1
        }
        if pieceStart < range.upperBound { gpt2(pieceStart..<range.upperBound, &out) }
    }

    func llama3(_ range: Range<Int>, maxDigits: Int, _ out: inout [Range<Int>]) {
        let end = range.upperBound
        var pos = range.lowerBound
        while pos < end {
            let start = pos
            let k = contraction(at: pos, end: end, caseInsensitive: true)
            if k > 0 {
                out.append(start..<(pos + k))
                pos += k
                continue
            }
            let v = s[pos], here = c[pos]
            let isNewline = v == Self.cr || v == Self.lf
            // `[^\r\n\p{L}\p{N}]?\p{L}+`
            if !isNewline && here != CharacterClass.number
                && (here == CharacterClass.letter || cls(pos + 1, end) == CharacterClass.letter) {
                pos += 1
                while pos < end && c[pos] == CharacterClass.letter { pos += 1 }
                out.append(start..<pos)
                continue
            }
            // `\p{N}{1,maxDigits}`
            if here == CharacterClass.number {
                var groupStart = pos
                while pos < end && c[pos] == CharacterClass.number {
                    pos += 1
                    if pos - groupStart >= maxDigits {
                        out.append(groupStart..<pos)
                        groupStart = pos
                    }
                }
                if pos > groupStart { out.append(groupStart..<pos) }
                continue
            }
            // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
            let next = v == Self.space ? cls(pos + 1, end) : here
            if next & (CharacterClass.whitespace | CharacterClass.letter | CharacterClass.number) == 0 {
                if v == Self.space { pos += 1 }
                while pos < end && c[pos] == CharacterClass.other { pos += 1 }
                while pos < end && (s[pos] == Self.cr || s[pos] == Self.lf) { pos += 1 }
                out.append(start..<pos)
                continue
            }
            // `\s*[\r\n]+`, `\s+(?!\S)`, `\s+`
            var n = 0
            var afterLastNewline = -1
            while pos + n < end && c[pos + n] == CharacterClass.whitespace {
                if s[pos + n] == Self.cr || s[pos + n] == Self.lf { afterLastNewline = pos + n + 1 }
                n += 1
            }
            if afterLastNewline >= 0 {
                pos = afterLastNewline
            } else if n > 1 && pos + n < end {
                pos += n - 1
            } else if n > 0 {
                pos += n
            } else {
                pos += 1
            }
            out.append(start..<pos)
        }
    }

    /// llama.cpp's default: four patterns applied one after the other, each splitting the
    /// pieces the previous one left (text between matches stays a piece of its own).
    func fallback(_ range: Range<Int>, _ out: inout [Range<Int>]) {
        var pieces: [Range<Int>] = []
        // 1. `[\p{P}\$\+<=>\^~\|]+`
        splitRuns(range, into: &pieces) { i in
            let v = s[i]
            return v < 128 ? Self.asciiPunctuation.contains(v) : CharacterClass.isPunctuation(v)
        }
        // 2. the GPT-2 pattern
        var words: [Range<Int>] = []
        for p in pieces { gpt2(p, &words) }
        // 3. `\p{N}+`
        pieces.removeAll(keepingCapacity: true)
        for w in words { splitRuns(w, into: &pieces) { i in c[i] == CharacterClass.number } }
        // 4. `[0-9][0-9][0-9]`
        for p in pieces { splitDigitTriples(p, &out) }
    }

    private static let asciiPunctuation: Set<UInt32> = Set("!\"#%&'()*,-./:;?@[\\]_{}$+<=>^~|".unicodeScalars.map(\.value))

    /// Cuts `range` into maximal runs of positions where `inRun` holds and the stretches between.
    private func splitRuns(_ range: Range<Int>, into out: inout [Range<Int>], _ inRun: (Int) -> Bool) {
        var pos = range.lowerBound
        var pieceStart = pos
        while pos < range.upperBound {
            if inRun(pos) {
                if pos > pieceStart { out.append(pieceStart..<pos) }
                let runStart = pos
                while pos < range.upperBound && inRun(pos) { pos += 1 }
                out.append(runStart..<pos)
                pieceStart = pos
            } else {
                pos += 1
            }
        }
        if pieceStart < range.upperBound { out.append(pieceStart..<range.upperBound) }
    }

    private func splitDigitTriples(_ range: Range<Int>, _ out: inout [Range<Int>]) {
        func isDigit(_ i: Int) -> Bool { s[i] >= 0x30 && s[i] <= 0x39 }
        var pos = range.lowerBound
        var pieceStart = pos
        while pos < range.upperBound {
            if pos + 3 <= range.upperBound && isDigit(pos) && isDigit(pos + 1) && isDigit(pos + 2) {
                if pos > pieceStart { out.append(pieceStart..<pos) }
                out.append(pos..<(pos + 3))
                pos += 3
                pieceStart = pos
            } else {
                pos += 1
            }
        }
        if pieceStart < range.upperBound { out.append(pieceStart..<range.upperBound) }
    }
}
