/// The four classes the split patterns of pre-tokenizers test: `\p{L}`, `\p{N}`, `\s`, and the
/// rest. Stored one byte per scalar so that the matchers compare small integers.
enum CharacterClass {
    /// Past the end of the range being split: matches nothing.
    static let none: UInt8 = 0
    /// `\p{L}`: Lu, Ll, Lt, Lm, Lo.
    static let letter: UInt8 = 1
    /// `\p{N}`: Nd, Nl, No.
    static let number: UInt8 = 2
    /// `\s`: the Unicode White_Space property.
    static let whitespace: UInt8 = 4
    /// Anything else (punctuation, symbols, marks, controls, unassigned).
    static let other: UInt8 = 8

    private static let ascii: [UInt8] = (0..<128).map { v in
        switch v {
        case 0x41...0x5A, 0x61...0x7A: letter
        case 0x30...0x39: number
        case 0x09...0x0D, 0x20: whitespace
        default: other
        }
    }

    @inline(__always)
    static func of(_ value: UInt32) -> UInt8 {
        if value < 128 { return ascii[Int(value)] }
        guard let scalar = Unicode.Scalar(value) else { return other }
        let properties = scalar.properties
        if properties.isWhitespace { return whitespace }
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return letter
        case .decimalNumber, .letterNumber, .otherNumber:
            return number
        default:
            return other
        }
    }

    /// `\p{P}` (any punctuation category), for the default pre-tokenizer's first pattern.
    static func isPunctuation(_ value: UInt32) -> Bool {
        guard let scalar = Unicode.Scalar(value) else { return false }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }
}
