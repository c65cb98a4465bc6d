/// The byte-level state machine of a JSON number element:
/// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, without the fraction and exponent for
/// integers. Digit runs are capped (`maxDigits`, `maxExponentDigits`) so that a model cannot
/// write digits forever and so that every number parses to a finite double.
///
/// `count` is the digits so far in the current run.
enum NumberMachine {
    static let start: Int32 = 0
    static let minus: Int32 = 1
    static let zero: Int32 = 2
    static let integerDigits: Int32 = 3
    static let point: Int32 = 4
    static let fractionDigits: Int32 = 5
    static let exponentMark: Int32 = 6
    static let exponentSign: Int32 = 7
    static let exponentDigits: Int32 = 8

    static let maxDigits: Int32 = 15
    static let maxExponentDigits: Int32 = 2

    /// Whether the number could end here.
    static func isComplete(_ phase: Int32) -> Bool {
        phase == zero || phase == integerDigits || phase == fractionDigits || phase == exponentDigits
    }

    static func step(integer: Bool, phase: Int32, count: Int32, byte: UInt8) -> (Int32, Int32)? {
        let isDigit = byte >= 0x30 && byte <= 0x39
        switch phase {
        case start, minus:
            if phase == start && byte == UInt8(ascii: "-") { return (minus, 0) }
            if byte == UInt8(ascii: "0") { return (zero, 1) }
            return isDigit ? (integerDigits, 1) : nil
        case zero, integerDigits:
            if isDigit { return phase == integerDigits && count < maxDigits ? (integerDigits, count + 1) : nil }
            if integer { return nil }
            if byte == UInt8(ascii: ".") { return (point, 0) }
            return byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") ? (exponentMark, 0) : nil
        case point:
            return isDigit ? (fractionDigits, 1) : nil
        case fractionDigits:
            if isDigit { return count < maxDigits ? (fractionDigits, count + 1) : nil }
            return byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") ? (exponentMark, 0) : nil
        case exponentMark:
            if byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") { return (exponentSign, 0) }
            return isDigit ? (exponentDigits, 1) : nil
        case exponentSign:
            return isDigit ? (exponentDigits, 1) : nil
        case exponentDigits:
            return isDigit && count < maxExponentDigits ? (exponentDigits, count + 1) : nil
        default:
            return nil
        }
    }
}
