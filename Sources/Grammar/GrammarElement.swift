/// One step of a grammar alternative: something that consumes bytes, or a reference to
/// another rule. Strings and numbers are single elements with their own small state machines
/// (rather than rules of characters), so that a string's body stays in one stack frame: the
/// token-mask cache can then key on that frame alone (see `TokenGrammar`).
public enum GrammarElement: Hashable, Sendable {
    /// Exactly these bytes.
    case literal([UInt8])
    /// A JSON string, quotes included.
    case string(StringSpec)
    /// A JSON number; `integer` allows no fraction and no exponent.
    case number(integer: Bool)
    /// One of the rule's alternatives.
    case rule(Int)
    /// The rule `count` times, `min...max` (max nil = unbounded). The rule must not match the
    /// empty string, or the repetition could loop without consuming a byte.
    case `repeat`(rule: Int, min: Int, max: Int?)
}

/// What a string element accepts between its quotes.
public struct StringSpec: Hashable, Sendable {
    /// Characters (Unicode scalars; an escape counts as one) at least and at most.
    public var minLength: Int
    public var maxLength: Int?
    /// A fixed shape (a `format`), which replaces the free body: no escapes, no length limits.
    public var shape: StringShape?

    public init(minLength: Int = 0, maxLength: Int? = nil, shape: StringShape? = nil) {
        self.minLength = minLength
        self.maxLength = maxLength
        self.shape = shape
    }
}

/// A string body as a sequence of segments, each a run of bytes from one set with a count in
/// `min...max`. Adjacent segments must not share a byte, so the run boundaries are never in
/// doubt (the matcher is deterministic inside a string).
public struct StringShape: Hashable, Sendable {
    public struct Segment: Hashable, Sendable {
        public var bytes: ByteSet
        public var min: Int
        public var max: Int
    }

    public var segments: [Segment]

    public init(_ segments: [Segment]) { self.segments = segments }
}

/// A set of bytes, as four 64-bit words.
public struct ByteSet: Hashable, Sendable {
    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    public init() {}

    /// The bytes of `text`, where `a-z` stands for a range.
    public init(ranges text: String) {
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            if i + 2 < bytes.count, bytes[i + 1] == UInt8(ascii: "-") {
                for b in bytes[i]...bytes[i + 2] { insert(b) }
                i += 3
            } else {
                insert(bytes[i])
                i += 1
            }
        }
    }

    public mutating func insert(_ byte: UInt8) {
        let bit = UInt64(1) << UInt64(byte & 63)
        switch byte >> 6 {
        case 0: words.0 |= bit
        case 1: words.1 |= bit
        case 2: words.2 |= bit
        default: words.3 |= bit
        }
    }

    @inline(__always)
    public func contains(_ byte: UInt8) -> Bool {
        let bit = UInt64(1) << UInt64(byte & 63)
        switch byte >> 6 {
        case 0: return words.0 & bit != 0
        case 1: return words.1 & bit != 0
        case 2: return words.2 & bit != 0
        default: return words.3 & bit != 0
        }
    }

    public func isDisjoint(with other: ByteSet) -> Bool {
        words.0 & other.words.0 == 0 && words.1 & other.words.1 == 0
            && words.2 & other.words.2 == 0 && words.3 & other.words.3 == 0
    }

    public static func == (a: ByteSet, b: ByteSet) -> Bool {
        a.words.0 == b.words.0 && a.words.1 == b.words.1 && a.words.2 == b.words.2 && a.words.3 == b.words.3
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }
}
