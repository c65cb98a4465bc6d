/// A number of bytes as people write it on a command line: `--kv-cache-memory 24MiB`,
/// `--checkpoint-memory 1.5GiB`.
///
/// Accepted forms: a whole or decimal number, optionally followed by spaces and a unit.
/// - `B` or no unit: bytes.
/// - `KiB`, `MiB`, `GiB`, `TiB`: powers of 1024.
/// - `K`, `M`, `G`, `T` (and `Ki`, `Mi`, `Gi`, `Ti`): also powers of **1024**, as in
///   `ulimit`, `dd` and llama.cpp; a memory budget is almost always meant in binary units.
/// - `KB`, `MB`, `GB`, `TB`: powers of **1000**, as the SI prefixes say.
///
/// Case does not matter (`24mib`, `2gb`); a byte size never means bits. A fraction is exact
/// down to the byte (`1.5GiB` is 1,610,612,736) and fractions of a byte are dropped.
public struct ByteSize: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let bytes: Int

    public init(bytes: Int) {
        self.bytes = bytes
    }

    public static func < (lhs: ByteSize, rhs: ByteSize) -> Bool { lhs.bytes < rhs.bytes }

    /// Reads a size such as `24MiB`, `1.5GiB` or `4096`.
    public init(parsing text: String) throws(ByteSizeError) {
        let trimmed = text.trimmingSpaces
        guard !trimmed.isEmpty else { throw .empty }
        if trimmed.hasPrefix("-") { throw .negative(text) }

        // Split "1.5 GiB" into its number ("1", "5") and its unit ("gib").
        let scalars = Array(trimmed.unicodeScalars)
        var index = 0
        func digits() -> [UInt8] {
            var found: [UInt8] = []
            while index < scalars.count, let digit = scalars[index].decimalDigit {
                found.append(digit)
                index += 1
            }
            return found
        }
        let whole = digits()
        var fraction: [UInt8] = []
        if index < scalars.count, scalars[index] == "." {
            index += 1
            fraction = digits()
            guard !fraction.isEmpty else { throw .malformed(text) }
        }
        guard !whole.isEmpty else { throw .malformed(text) }
        var unitScalars = String.UnicodeScalarView(scalars[index...])
        while unitScalars.first == " " { unitScalars.removeFirst() }
        let unit = String(unitScalars)
        // Only letters can name a unit; anything else ("1,5", "1.5.2", "0x10") is no number.
        guard unitScalars.allSatisfy({ $0.properties.isAlphabetic && $0.isASCII }) else { throw .malformed(text) }
        guard let multiplier = Self.multipliers[unit.lowercased()] else { throw .unknownUnit(text, unit: unit) }

        // whole × multiplier + (fraction / 10^n) × multiplier, in integers so large sizes stay exact.
        var wholeValue = 0
        for digit in whole {
            let (times10, o1) = wholeValue.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(Int(digit))
            guard !o1, !o2 else { throw .tooLarge(text) }
            wholeValue = sum
        }
        let (wholeBytes, overflow) = wholeValue.multipliedReportingOverflow(by: multiplier)
        guard !overflow else { throw .tooLarge(text) }
        // Eighteen digits keep 10^n inside Int; the ones beyond are far below a byte.
        var numerator = 0, denominator = 1
        for digit in fraction.prefix(18) {
            numerator = numerator * 10 + Int(digit)
            denominator *= 10
        }
        // numerator < denominator, so the quotient is below `multiplier` and fits.
        let product = numerator.multipliedFullWidth(by: multiplier)
        let fractionBytes = denominator.dividingFullWidth((product.high, product.low)).quotient
        let (total, overflowTotal) = wholeBytes.addingReportingOverflow(fractionBytes)
        guard !overflowTotal else { throw .tooLarge(text) }
        self.bytes = total
    }

    /// Unit (lowercased) → bytes per unit.
    private static let multipliers: [String: Int] = {
        var table: [String: Int] = ["": 1, "b": 1]
        for (power, prefix) in ["k", "m", "g", "t"].enumerated() {
            let binary = 1 << (10 * (power + 1))
            var decimal = 1
            for _ in 0...power { decimal *= 1000 }
            table[prefix] = binary
            table[prefix + "i"] = binary
            table[prefix + "ib"] = binary
            table[prefix + "b"] = decimal
        }
        return table
    }()

    /// The size in the largest binary unit that keeps the number at 1 or more, with one
    /// decimal: `"24.0 MiB"`, `"1.5 GiB"`; under 1 KiB it is whole bytes, `"512 B"`.
    public var description: String { Self.format(bytes) }

    /// Formats a byte count as `description` does; negative counts get a leading minus.
    public static func format(_ bytes: Int) -> String {
        let sign = bytes < 0 ? "-" : ""
        let magnitude = bytes.magnitude
        guard magnitude >= 1024 else { return "\(sign)\(magnitude) B" }
        let units = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var unitIndex = 0
        var unitSize: Double = 1024
        while unitIndex + 1 < units.count, Double(magnitude) >= unitSize * 1024 {
            unitIndex += 1
            unitSize *= 1024
        }
        var tenths = (Double(magnitude) / unitSize * 10).rounded()
        // 1023.96 KiB rounds to 1024.0 KiB; say 1.0 MiB instead.
        if tenths >= 10240, unitIndex + 1 < units.count {
            unitIndex += 1
            tenths = (tenths / 1024).rounded()
        }
        let whole = UInt64(tenths) / 10, tenth = UInt64(tenths) % 10
        return "\(sign)\(whole).\(tenth) \(units[unitIndex])"
    }
}

/// Why a byte size could not be read.
public enum ByteSizeError: Error, Equatable, CustomStringConvertible {
    case empty
    case negative(String)
    case malformed(String)
    case unknownUnit(String, unit: String)
    case tooLarge(String)

    static let example = "write a size such as 24MiB, 1.5GiB, 500MB or 4096 (bytes)"

    public var description: String {
        switch self {
        case .empty: "the size is empty; \(Self.example)"
        case let .negative(text): "size \"\(text)\" is negative; \(Self.example)"
        case let .malformed(text): "\"\(text)\" is not a size; \(Self.example)"
        case let .unknownUnit(text, unit):
            "size \"\(text)\" has an unknown unit \"\(unit)\" (known: B, KiB, MiB, GiB, TiB, K, M, G, T, KB, MB, GB, TB); \(Self.example)"
        case let .tooLarge(text): "size \"\(text)\" is too large to count in bytes; \(Self.example)"
        }
    }
}

private extension Unicode.Scalar {
    /// 0–9 for an ASCII digit; other digits (Arabic-Indic, full-width) are not sizes.
    var decimalDigit: UInt8? {
        value >= 0x30 && value <= 0x39 ? UInt8(value - 0x30) : nil
    }
}

private extension String {
    /// Without leading and trailing spaces and tabs, without needing Foundation.
    var trimmingSpaces: String {
        var scalars = Substring(self).unicodeScalars
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}
