// Splits a template into text and tag tokens, applying whitespace control the way jinja2 does with
// transformers' settings: `trim_blocks` (drop the first newline after a block or comment tag),
// `lstrip_blocks` (drop spaces and tabs before a block or comment tag that starts its line),
// `-` on either side of any tag (strip all whitespace on that side) and `+` (keep it).

enum JinjaTokenKind: Equatable, Sendable {
    case text(String)
    case variableBegin, variableEnd
    case blockBegin, blockEnd
    case name(String)
    case string(String)
    case integer(Int)
    case float(Double)
    case op(String)
    case eof
}

struct JinjaToken: Sendable {
    var kind: JinjaTokenKind
    var position: JinjaSourcePosition
}

struct JinjaLexer {
    private let bytes: [UInt8]
    private var index = 0
    private var lineStarts: [Int] = [0]
    private var tokens: [JinjaToken] = []

    static func tokenize(_ source: String) throws -> [JinjaToken] {
        var lexer = JinjaLexer(source: source)
        try lexer.run()
        return lexer.tokens
    }

    private init(source: String) {
        // jinja2 normalizes newlines and, without keep_trailing_newline, drops one final newline.
        var text = source.replacingOccurrencesOfCRLF()
        if text.hasSuffix("\n") { text.removeLast() }
        bytes = Array(text.utf8)
        for (i, b) in bytes.enumerated() where b == 0x0A { lineStarts.append(i + 1) }
    }

    private func position(_ offset: Int) -> JinjaSourcePosition {
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        return JinjaSourcePosition(line: lo + 1, column: offset - lineStarts[lo] + 1)
    }

    private func syntaxError(_ message: String, at offset: Int) -> JinjaError {
        let p = position(offset)
        return JinjaError(kind: .syntax, message: message, line: p.line, column: p.column)
    }

    private func byte(_ i: Int) -> UInt8? { i < bytes.count ? bytes[i] : nil }

    private static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) }

    private enum TagKind { case variable, block, comment }

    /// Bounds the size of one expression, hence the depth of its tree (evaluation and deallocation recurse).
    static let maxTokensPerTag = 4096

    private mutating func run() throws {
        var stripNextText = false  // a `-` closed the previous tag
        var trimNextNewline = false  // trim_blocks after `%}` or `#}`
        while index <= bytes.count {
            // Find the next tag opening.
            var tagStart = index
            var kind: TagKind? = nil
            while tagStart + 1 < bytes.count {
                if bytes[tagStart] == UInt8(ascii: "{") {
                    let next = bytes[tagStart + 1]
                    if next == UInt8(ascii: "{") { kind = .variable; break }
                    if next == UInt8(ascii: "%") { kind = .block; break }
                    if next == UInt8(ascii: "#") { kind = .comment; break }
                }
                tagStart += 1
            }
            if kind == nil { tagStart = bytes.count }

            var textStart = index
            var textEnd = tagStart
            if stripNextText {
                while textStart < textEnd, Self.isSpace(bytes[textStart]) { textStart += 1 }
            } else if trimNextNewline, textStart < textEnd, bytes[textStart] == 0x0A {
                textStart += 1
            }
            let lineStarting = textStart == 0 || bytes[textStart - 1] == 0x0A
            let modifier = kind == nil ? nil : byte(tagStart + 2)
            if let kind {
                if modifier == UInt8(ascii: "-") {
                    while textEnd > textStart, Self.isSpace(bytes[textEnd - 1]) { textEnd -= 1 }
                } else if modifier != UInt8(ascii: "+"), kind != .variable {
                    // lstrip_blocks: only whitespace between the line start and the tag.
                    var lineStart = textEnd
                    while lineStart > textStart, bytes[lineStart - 1] != 0x0A { lineStart -= 1 }
                    if lineStart > textStart || lineStarting {
                        if bytes[lineStart..<textEnd].allSatisfy({ Self.isSpace($0) && $0 != 0x0A }) {
                            textEnd = lineStart
                        }
                    }
                }
            }
            if textEnd > textStart {
                tokens.append(JinjaToken(kind: .text(String(decoding: bytes[textStart..<textEnd], as: UTF8.self)),
                                         position: position(textStart)))
            }
            guard let kind else { break }

            index = tagStart + 2
            if modifier == UInt8(ascii: "-") || modifier == UInt8(ascii: "+") { index += 1 }
            let closing: (strip: Bool, keep: Bool)
            switch kind {
            case .comment:
                closing = try skipComment(openedAt: tagStart)
            case .variable:
                tokens.append(JinjaToken(kind: .variableBegin, position: position(tagStart)))
                closing = try lexTag(close: UInt8(ascii: "}"), openedAt: tagStart, end: .variableEnd)
            case .block:
                if try lexRawBlock(openedAt: tagStart) {
                    closing = (false, false)
                } else {
                    tokens.append(JinjaToken(kind: .blockBegin, position: position(tagStart)))
                    closing = try lexTag(close: UInt8(ascii: "%"), openedAt: tagStart, end: .blockEnd)
                }
            }
            stripNextText = closing.strip
            trimNextNewline = kind != .variable && !closing.keep
        }
        tokens.append(JinjaToken(kind: .eof, position: position(bytes.count)))
    }

    /// Skips to the end of `{# ... #}`; returns the closing whitespace control.
    private mutating func skipComment(openedAt start: Int) throws -> (strip: Bool, keep: Bool) {
        while index + 1 < bytes.count {
            if bytes[index] == UInt8(ascii: "#"), bytes[index + 1] == UInt8(ascii: "}") {
                let before = index > 0 ? bytes[index - 1] : 0
                index += 2
                return (before == UInt8(ascii: "-"), before == UInt8(ascii: "+"))
            }
            index += 1
        }
        throw syntaxError("unclosed comment: missing '#}'", at: start)
    }

    /// `{% raw %}...{% endraw %}`: emits the body as text. Returns false if this tag is not `raw`.
    private mutating func lexRawBlock(openedAt start: Int) throws -> Bool {
        var i = index
        while i < bytes.count, Self.isSpace(bytes[i]) { i += 1 }
        guard Array(bytes[i..<min(i + 3, bytes.count)]) == Array("raw".utf8) else { return false }
        i += 3
        while i < bytes.count, Self.isSpace(bytes[i]) { i += 1 }
        if byte(i) == UInt8(ascii: "-") { i += 1 }
        guard byte(i) == UInt8(ascii: "%"), byte(i + 1) == UInt8(ascii: "}") else { return false }
        let bodyStart = i + 2
        var j = bodyStart
        while j + 1 < bytes.count {
            if bytes[j] == UInt8(ascii: "{"), bytes[j + 1] == UInt8(ascii: "%") {
                var k = j + 2
                if byte(k) == UInt8(ascii: "-") { k += 1 }
                while k < bytes.count, Self.isSpace(bytes[k]) { k += 1 }
                if Array(bytes[k..<min(k + 6, bytes.count)]) == Array("endraw".utf8) {
                    k += 6
                    while k < bytes.count, Self.isSpace(bytes[k]) { k += 1 }
                    if byte(k) == UInt8(ascii: "-") { k += 1 }
                    if byte(k) == UInt8(ascii: "%"), byte(k + 1) == UInt8(ascii: "}") {
                        if j > bodyStart {
                            tokens.append(JinjaToken(
                                kind: .text(String(decoding: bytes[bodyStart..<j], as: UTF8.self)),
                                position: position(bodyStart)))
                        }
                        index = k + 2
                        return true
                    }
                }
            }
            j += 1
        }
        throw syntaxError("unclosed 'raw' block: missing '{% endraw %}'", at: start)
    }

    /// Lexes expression tokens up to `}}` or `%}` (optionally preceded by `-` or `+`).
    private mutating func lexTag(close: UInt8, openedAt start: Int, end: JinjaTokenKind) throws
        -> (strip: Bool, keep: Bool)
    {
        var count = 0
        while true {
            count += 1
            if count > Self.maxTokensPerTag {
                throw syntaxError("tag too long (more than \(Self.maxTokensPerTag) tokens)", at: start)
            }
            while index < bytes.count, Self.isSpace(bytes[index]) { index += 1 }
            guard index < bytes.count else {
                let what = close == UInt8(ascii: "}") ? "'}}'" : "'%}'"
                throw syntaxError("unclosed tag: missing \(what)", at: start)
            }
            let b = bytes[index]
            // Tag end, possibly with a whitespace-control sign.
            if (b == UInt8(ascii: "-") || b == UInt8(ascii: "+")), byte(index + 1) == close,
               byte(index + 2) == UInt8(ascii: "}")
            {
                tokens.append(JinjaToken(kind: end, position: position(index)))
                index += 3
                return (b == UInt8(ascii: "-"), b == UInt8(ascii: "+"))
            }
            if b == close, byte(index + 1) == UInt8(ascii: "}") {
                tokens.append(JinjaToken(kind: end, position: position(index)))
                index += 2
                return (false, false)
            }
            let tokenStart = index
            let kind: JinjaTokenKind
            if b == UInt8(ascii: "_") || (b | 0x20 >= UInt8(ascii: "a") && b | 0x20 <= UInt8(ascii: "z")) {
                while index < bytes.count {
                    let c = bytes[index]
                    let isIdent = c == UInt8(ascii: "_") || (c >= 0x30 && c <= 0x39)
                        || (c | 0x20 >= UInt8(ascii: "a") && c | 0x20 <= UInt8(ascii: "z"))
                    if !isIdent { break }
                    index += 1
                }
                kind = .name(String(decoding: bytes[tokenStart..<index], as: UTF8.self))
            } else if b >= 0x30 && b <= 0x39 {
                kind = try lexNumber()
            } else if b == UInt8(ascii: "'") || b == UInt8(ascii: "\"") {
                kind = .string(try lexString(quote: b))
            } else {
                let two = index + 1 < bytes.count ? String(decoding: bytes[index..<index + 2], as: UTF8.self) : ""
                if ["//", "**", "==", "!=", "<=", ">="].contains(two) {
                    kind = .op(two)
                    index += 2
                } else if "+-*/%~<>=.,:|()[]{}".utf8.contains(b) {
                    kind = .op(String(UnicodeScalar(b)))
                    index += 1
                } else {
                    let scalar = String(decoding: bytes[index..<min(index + 4, bytes.count)], as: UTF8.self)
                        .prefix(1)
                    throw syntaxError("unexpected character '\(scalar)'", at: index)
                }
            }
            tokens.append(JinjaToken(kind: kind, position: position(tokenStart)))
        }
    }

    private mutating func lexNumber() throws -> JinjaTokenKind {
        let start = index
        func digits() { while index < bytes.count, (bytes[index] >= 0x30 && bytes[index] <= 0x39) || bytes[index] == UInt8(ascii: "_") { index += 1 } }
        digits()
        var isFloat = false
        if byte(index) == UInt8(ascii: "."), let d = byte(index + 1), d >= 0x30 && d <= 0x39 {
            isFloat = true
            index += 1
            digits()
        }
        if let e = byte(index), e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            var j = index + 1
            if let s = byte(j), s == UInt8(ascii: "+") || s == UInt8(ascii: "-") { j += 1 }
            if let d = byte(j), d >= 0x30 && d <= 0x39 {
                isFloat = true
                index = j
                digits()
            }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self).jinjaReplacing("_", with: "")
        if !isFloat, let i = Int(text) { return .integer(i) }
        guard let d = Double(text) else { throw syntaxError("invalid number '\(text)'", at: start) }
        return .float(d)
    }

    /// A quoted string with Python's escapes (jinja2 decodes literals with `unicode-escape`).
    private mutating func lexString(quote: UInt8) throws -> String {
        let start = index
        index += 1
        var out: [UInt8] = []
        while index < bytes.count {
            let b = bytes[index]
            if b == quote { index += 1; return String(decoding: out, as: UTF8.self) }
            if b != UInt8(ascii: "\\") { out.append(b); index += 1; continue }
            guard let e = byte(index + 1) else { break }
            index += 2
            switch e {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "v"): out.append(0x0B)
            case UInt8(ascii: "a"): out.append(0x07)
            case UInt8(ascii: "0"): out.append(0x00)
            case UInt8(ascii: "\\"), UInt8(ascii: "'"), UInt8(ascii: "\""): out.append(e)
            case 0x0A: break  // backslash-newline continues the line
            case UInt8(ascii: "x"), UInt8(ascii: "u"), UInt8(ascii: "U"):
                let count = e == UInt8(ascii: "x") ? 2 : (e == UInt8(ascii: "u") ? 4 : 8)
                guard index + count <= bytes.count,
                      let v = UInt32(String(decoding: bytes[index..<index + count], as: UTF8.self), radix: 16),
                      let scalar = Unicode.Scalar(v)
                else { throw syntaxError("invalid escape in string literal", at: index - 2) }
                index += count
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
            default:
                out.append(UInt8(ascii: "\\"))  // unknown escapes stay as written
                out.append(e)
            }
        }
        throw syntaxError("unterminated string literal", at: start)
    }
}

extension String {
    func replacingOccurrencesOfCRLF() -> String {
        guard contains("\r") else { return self }
        var out = String.UnicodeScalarView()
        var previousCR = false
        for s in unicodeScalars {
            if s == "\r" { out.append("\n"); previousCR = true; continue }
            if s == "\n" && previousCR { previousCR = false; continue }
            previousCR = false
            out.append(s)
        }
        return String(out)
    }

    /// Python's `str.split(sep)` (with `sep` non-empty), optionally limited to `maxSplits`.
    func jinjaSplit(_ separator: String, maxSplits: Int = -1) -> [String] {
        var parts: [String] = []
        var rest = Substring(self)
        while maxSplits < 0 || parts.count < maxSplits, let r = rest.firstRange(of: separator) {
            parts.append(String(rest[..<r.lowerBound]))
            rest = rest[r.upperBound...]
        }
        parts.append(String(rest))
        return parts
    }

    /// Python's `str.replace(old, new[, count])`.
    func jinjaReplacing(_ target: String, with replacement: String, count: Int = -1) -> String {
        if target.isEmpty {
            // Python inserts the replacement between every character and at both ends.
            var out = replacement
            var n = 0
            for c in self {
                if count >= 0 && n >= count { out.append(c); continue }
                out.append(c)
                out += replacement
                n += 1
            }
            return out
        }
        return jinjaSplit(target, maxSplits: count).joined(separator: replacement)
    }
}
