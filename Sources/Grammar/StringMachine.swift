/// The byte-level state machine of a JSON string element: opening quote, body, closing quote.
///
/// `phase` values: `open` before the opening quote, `body` between characters, `escape` after
/// a backslash, `hex1`…`hex4` inside `\uXXXX`, `closed` after the closing quote, the
/// `utf8*` phases inside a multi-byte UTF-8 sequence (only well-formed UTF-8 gets through:
/// no overlong forms, no surrogates, nothing past U+10FFFF), and `shapeBase + i` in segment
/// `i` of a `StringShape`. `count` is characters so far in a free body, or bytes so far in
/// the current segment of a shaped one.
enum StringMachine {
    static let open: Int32 = 0
    static let body: Int32 = 1
    static let escape: Int32 = 2
    static let hex1: Int32 = 3
    static let hex2: Int32 = 4
    static let hex3: Int32 = 5
    static let hex4: Int32 = 6
    static let closed: Int32 = 7
    static let utf8Need1: Int32 = 8
    static let utf8Need2: Int32 = 9
    static let utf8Need3: Int32 = 10
    static let utf8AfterE0: Int32 = 11
    static let utf8AfterED: Int32 = 12
    static let utf8AfterF0: Int32 = 13
    static let utf8AfterF4: Int32 = 14
    static let shapeBase: Int32 = 100

    private static let quote = UInt8(ascii: "\"")
    private static let backslash = UInt8(ascii: "\\")

    /// The next (phase, count) after `byte`, or nil when the string cannot take it.
    static func step(_ spec: StringSpec, phase: Int32, count: Int32, byte: UInt8) -> (Int32, Int32)? {
        if phase >= shapeBase, let shape = spec.shape {
            return stepShape(shape, segment: Int(phase - shapeBase), count: Int(count), byte: byte)
        }
        switch phase {
        case open:
            guard byte == quote else { return nil }
            return spec.shape == nil ? (body, 0) : enterShape(spec.shape!)
        case body:
            if byte == quote { return count >= spec.minLength ? (closed, count) : nil }
            if let max = spec.maxLength, count >= max { return nil }
            switch byte {
            case backslash: return (escape, count)
            case 0x20...0x7F: return (body, count + 1)
            case 0xC2...0xDF: return (utf8Need1, count)
            case 0xE0: return (utf8AfterE0, count)
            case 0xED: return (utf8AfterED, count)
            case 0xE1...0xEF: return (utf8Need2, count)
            case 0xF0: return (utf8AfterF0, count)
            case 0xF4: return (utf8AfterF4, count)
            case 0xF1...0xF3: return (utf8Need3, count)
            default: return nil  // control characters, stray continuation bytes, C0, C1, F5+
            }
        case utf8Need1: return (0x80...0xBF).contains(byte) ? (body, count + 1) : nil
        case utf8Need2: return (0x80...0xBF).contains(byte) ? (utf8Need1, count) : nil
        case utf8Need3: return (0x80...0xBF).contains(byte) ? (utf8Need2, count) : nil
        case utf8AfterE0: return (0xA0...0xBF).contains(byte) ? (utf8Need1, count) : nil
        case utf8AfterED: return (0x80...0x9F).contains(byte) ? (utf8Need1, count) : nil
        case utf8AfterF0: return (0x90...0xBF).contains(byte) ? (utf8Need2, count) : nil
        case utf8AfterF4: return (0x80...0x8F).contains(byte) ? (utf8Need2, count) : nil
        case escape:
            switch byte {
            case UInt8(ascii: "\""), backslash, UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                 UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                return (body, count + 1)
            case UInt8(ascii: "u"): return (hex1, count)
            default: return nil
            }
        case hex1:
            // No D800–DFFF: a lone surrogate escape is not a character, and some parsers refuse it.
            guard isHex(byte), byte != UInt8(ascii: "d"), byte != UInt8(ascii: "D") else { return nil }
            return (hex2, count)
        case hex2: return isHex(byte) ? (hex3, count) : nil
        case hex3: return isHex(byte) ? (hex4, count) : nil
        case hex4: return isHex(byte) ? (body, count + 1) : nil
        default: return nil
        }
    }

    private static func isHex(_ b: UInt8) -> Bool {
        (0x30...0x39).contains(b) || (0x41...0x46).contains(b) || (0x61...0x66).contains(b)
    }

    private static func enterShape(_ shape: StringShape) -> (Int32, Int32) { (shapeBase, 0) }

    /// Segment `segment` has taken `count` bytes; runs that have reached their minimum may end
    /// and hand the byte to the next segment (or to the closing quote after the last).
    private static func stepShape(_ shape: StringShape, segment: Int, count: Int, byte: UInt8) -> (Int32, Int32)? {
        var segment = segment
        var count = count
        while segment < shape.segments.count {
            let current = shape.segments[segment]
            if count < current.max && current.bytes.contains(byte) {
                return (shapeBase + Int32(segment), Int32(count + 1))
            }
            guard count >= current.min else { return nil }
            segment += 1
            count = 0
        }
        return byte == quote ? (closed, 0) : nil
    }
}
