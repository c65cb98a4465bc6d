/// A strict JSON (RFC 8259) parser for request bodies, into `JSONValue`.
///
/// Foundation's parsers do not fit: JSONDecoder can only learn a value's kind by trying
/// each kind and catching the thrown error, which made a 2,000-message chat body take 0.2 s
/// to read; JSONSerialization hides whether a value was `true` or `1` behind NSNumber. This
/// one reads each value once, keeps integers apart from decimals, rejects duplicate keys
/// (which another parser would resolve differently), and says where a body goes wrong.
/// The body must already be known to be valid UTF-8.
struct JSONParser {
    struct Failure: Error, Equatable {
        /// What is wrong, e.g. "unexpected character '}'".
        var reason: String
        /// 1-based, counted in lines and UTF-8 bytes, for the message.
        var line: Int
        var column: Int

        var description: String { "\(reason) at line \(line), column \(column)" }
    }

    /// Deeper nesting than any request needs; the limit keeps recursion off the stack's edge.
    static let maxDepth = 64

    private let bytes: [UInt8]
    private var position = 0
    private var depth = 0

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    static func parse(_ bytes: [UInt8]) throws(Failure) -> JSONValue {
        var parser = JSONParser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.parseValue()
        parser.skipWhitespace()
        if parser.position < bytes.count {
            throw parser.failure("unexpected \(parser.describeCurrent()) after the end of the JSON value")
        }
        return value
    }

    // MARK: - Values

    private mutating func parseValue() throws(Failure) -> JSONValue {
        guard position < bytes.count else { throw failure("unexpected end of the body") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw failure("unexpected \(describeCurrent())")
        }
    }

    private mutating func parseObject() throws(Failure) -> JSONValue {
        try enterContainer()
        position += 1  // {
        var object = JSONObject()
        skipWhitespace()
        if consume(UInt8(ascii: "}")) {
            depth -= 1
            return .object(object)
        }
        while true {
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                throw failure(peek(UInt8(ascii: "}")) ? "trailing comma before '}'" : "expected a string key, found \(describeCurrent())")
            }
            let keyStart = position
            let key = try parseString()
            skipWhitespace()
            guard consume(UInt8(ascii: ":")) else { throw failure("expected ':' after key '\(key)', found \(describeCurrent())") }
            skipWhitespace()
            let value = try parseValue()
            if !object.append(key, value) {
                position = keyStart
                throw failure("duplicate key '\(key)'")
            }
            skipWhitespace()
            if consume(UInt8(ascii: "}")) { break }
            guard consume(UInt8(ascii: ",")) else { throw failure("expected ',' or '}' in an object, found \(describeCurrent())") }
            skipWhitespace()
        }
        depth -= 1
        return .object(object)
    }

    private mutating func parseArray() throws(Failure) -> JSONValue {
        try enterContainer()
        position += 1  // [
        var elements: [JSONValue] = []
        skipWhitespace()
        if consume(UInt8(ascii: "]")) {
            depth -= 1
            return .array(elements)
        }
        while true {
            if peek(UInt8(ascii: "]")) { throw failure("trailing comma before ']'") }
            elements.append(try parseValue())
            skipWhitespace()
            if consume(UInt8(ascii: "]")) { break }
            guard consume(UInt8(ascii: ",")) else { throw failure("expected ',' or ']' in an array, found \(describeCurrent())") }
            skipWhitespace()
        }
        depth -= 1
        return .array(elements)
    }

    private mutating func enterContainer() throws(Failure) {
        depth += 1
        if depth > Self.maxDepth { throw failure("nesting deeper than \(Self.maxDepth) levels") }
    }

    // MARK: - Strings

    /// Reads a string starting at its opening quote. Text without escapes is copied as is;
    /// escapes are decoded, with UTF-16 surrogate pairs joined and lone surrogates refused.
    private mutating func parseString() throws(Failure) -> String {
        position += 1  // opening quote
        var start = position
        var decoded: [UInt8] = []
        var hasEscapes = false
        while true {
            guard position < bytes.count else { throw failure("unterminated string") }
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                let text: String
                if hasEscapes {
                    decoded.append(contentsOf: bytes[start..<position])
                    text = String(decoding: decoded, as: UTF8.self)
                } else {
                    text = String(decoding: bytes[start..<position], as: UTF8.self)
                }
                position += 1
                return text
            case UInt8(ascii: "\\"):
                hasEscapes = true
                decoded.append(contentsOf: bytes[start..<position])
                try decodeEscape(into: &decoded)
                start = position
            case 0..<0x20:
                throw failure("unescaped control character (byte 0x\(String(byte, radix: 16))) in a string; write it as \\u00XX")
            default:
                position += 1
            }
        }
    }

    /// Decodes the escape at `position` (a backslash) and moves past it.
    private mutating func decodeEscape(into output: inout [UInt8]) throws(Failure) {
        position += 1
        guard position < bytes.count else { throw failure("unterminated string") }
        let simple: UInt8?
        switch bytes[position] {
        case UInt8(ascii: "\""): simple = UInt8(ascii: "\"")
        case UInt8(ascii: "\\"): simple = UInt8(ascii: "\\")
        case UInt8(ascii: "/"): simple = UInt8(ascii: "/")
        case UInt8(ascii: "b"): simple = 0x08
        case UInt8(ascii: "f"): simple = 0x0C
        case UInt8(ascii: "n"): simple = 0x0A
        case UInt8(ascii: "r"): simple = 0x0D
        case UInt8(ascii: "t"): simple = 0x09
        case UInt8(ascii: "u"): simple = nil
        default: throw failure("invalid escape '\\\(describeByte(bytes[position]))' in a string")
        }
        if let simple {
            output.append(simple)
            position += 1
            return
        }
        let unit = try readHexUnit()
        var scalarValue = UInt32(unit)
        if UTF16.isTrailSurrogate(unit) {
            throw failure("a low surrogate (\\u\(String(unit, radix: 16))) without a high surrogate before it")
        }
        if UTF16.isLeadSurrogate(unit) {
            guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                throw failure("a high surrogate (\\u\(String(unit, radix: 16))) not followed by a low surrogate")
            }
            position += 1
            let trail = try readHexUnit()
            guard UTF16.isTrailSurrogate(trail) else {
                throw failure("a high surrogate (\\u\(String(unit, radix: 16))) not followed by a low surrogate")
            }
            scalarValue = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(trail) - 0xDC00)
        }
        // Surrogates are excluded above, so every remaining value is a valid scalar.
        UTF8.encode(Unicode.Scalar(scalarValue)!) { output.append($0) }
    }

    /// Reads `uXXXX` at `position` (the `u`) and moves past it.
    private mutating func readHexUnit() throws(Failure) -> UInt16 {
        position += 1  // u
        guard position + 4 <= bytes.count else { throw failure("incomplete \\u escape") }
        var unit: UInt16 = 0
        for _ in 0..<4 {
            let digit: UInt8
            switch bytes[position] {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = bytes[position] - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = bytes[position] - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = bytes[position] - UInt8(ascii: "A") + 10
            default: throw failure("invalid hex digit \(describeCurrent()) in a \\u escape")
            }
            unit = unit << 4 | UInt16(digit)
            position += 1
        }
        return unit
    }

    // MARK: - Numbers

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, as an integer when it has no
    /// fraction or exponent and fits in an Int, else as a double.
    private mutating func parseNumber() throws(Failure) -> JSONValue {
        let start = position
        let isNegative = consume(UInt8(ascii: "-"))
        guard position < bytes.count, isDigit(bytes[position]) else { throw failure("expected a digit, found \(describeCurrent())") }
        // The integer part is accumulated as it is read (negatively, so Int.min fits), which
        // spares a String per token id; nil once it overflows.
        var magnitude: Int? = 0
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
            if position < bytes.count, isDigit(bytes[position]) { throw failure("a number with a leading zero") }
        } else {
            while position < bytes.count, isDigit(bytes[position]) {
                if let current = magnitude {
                    let (shifted, overflow1) = current.multipliedReportingOverflow(by: 10)
                    let (next, overflow2) = shifted.subtractingReportingOverflow(Int(bytes[position] - UInt8(ascii: "0")))
                    magnitude = overflow1 || overflow2 ? nil : next
                }
                position += 1
            }
        }
        var isInteger = true
        if consume(UInt8(ascii: ".")) {
            isInteger = false
            guard position < bytes.count, isDigit(bytes[position]) else { throw failure("expected a digit after '.'") }
            skipDigits()
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            isInteger = false
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                position += 1
            }
            guard position < bytes.count, isDigit(bytes[position]) else { throw failure("expected a digit in the exponent") }
            skipDigits()
        }
        if isInteger, let negated = magnitude {
            if isNegative { return .integer(negated) }
            if negated != Int.min { return .integer(-negated) }
        }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        guard let number = Double(text), number.isFinite else {
            position = start
            throw failure("the number \(text) is out of range")
        }
        return .number(number)
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private mutating func skipDigits() {
        while position < bytes.count, isDigit(bytes[position]) { position += 1 }
    }

    // MARK: - Small steps

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    private func peek(_ byte: UInt8) -> Bool { position < bytes.count && bytes[position] == byte }

    private mutating func consume(_ byte: UInt8) -> Bool {
        guard peek(byte) else { return false }
        position += 1
        return true
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(Failure) {
        let expected = UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        guard position + expected.count <= bytes.count, bytes[position..<position + expected.count].elementsEqual(expected) else {
            throw failure("unexpected \(describeCurrent()) (did you mean \(literal)?)")
        }
        position += expected.count
    }

    private func describeCurrent() -> String {
        guard position < bytes.count else { return "end of the body" }
        if bytes[position] >= 0x80 {
            // The start of a multi-byte character (the body is valid UTF-8): show the character.
            let character = String(decoding: bytes[position..<min(position + 4, bytes.count)], as: UTF8.self).unicodeScalars.first!
            return "character '\(character)'"
        }
        return "character '\(describeByte(bytes[position]))'"
    }

    private func describeByte(_ byte: UInt8) -> String {
        (0x20..<0x7F).contains(byte) ? String(UnicodeScalar(byte)) : "\\u{\(String(byte, radix: 16))}"
    }

    private func failure(_ reason: String) -> Failure {
        var line = 1
        var lineStart = 0
        for index in 0..<min(position, bytes.count) where bytes[index] == 0x0A {
            line += 1
            lineStart = index + 1
        }
        return Failure(reason: reason, line: line, column: position - lineStart + 1)
    }
}
