/// Applies a request's stop strings to generated text as it streams, as vLLM and the OpenAI
/// API do: the output ends right before the first stop string, which is not part of it, and
/// nothing after it is emitted.
///
/// Feed it the text deltas of an incremental detokenizer with `append`; it returns what is
/// safe to send now. Text that could be the start of a stop string is held back until the
/// next deltas show whether it is one; `finish()` returns it when generation ends for another
/// reason (length, end-of-sequence token, cancellation).
///
/// Matching is by Unicode scalars, with no normalization, as Python's `str.find` in vLLM
/// matches code points. So output never ends inside a scalar (never half a UTF-8 sequence),
/// and the rules do not depend on grapheme clustering, which can change with the text that
/// follows: a stop string `"e"` matches the `e` of a decomposed `"e\u{301}"` (the accent,
/// coming after the stop, is dropped), but not a precomposed `"é"` (U+00E9).
///
/// When several stop strings could match, generation stops at the first one to *end*, as it
/// would if the text arrived one scalar at a time; among those ending at the same place, the
/// longest (the one starting earliest) wins. The result therefore does not depend on how the
/// text is split into deltas. Empty stop strings are rejected at construction, because one
/// would match before any text; duplicates are ignored.
public struct StopStringMatcher: Sendable {
    /// What one call to `append` yields.
    public struct Output: Sendable, Equatable {
        /// Text to emit now; may be empty while a possible stop string is held back.
        public var text: String
        /// The stop string that ended generation in this delta, or nil.
        public var stopString: String?

        public init(text: String, stopString: String? = nil) {
            self.text = text
            self.stopString = stopString
        }

        public var hitStop: Bool { stopString != nil }
    }

    /// The stop strings, longest first (so the first one found ending at a position is the
    /// longest), each with its scalars.
    private let stops: [(text: String, scalars: [Unicode.Scalar])]
    private let longestStop: Int
    /// Received but not yet emitted: always a proper prefix of some stop string.
    private var held: [Unicode.Scalar] = []
    /// The stop string that ended the text, once one has.
    public private(set) var matchedStopString: String?

    /// - Throws: `StopStringError.emptyStopString` if any stop string is empty.
    public init(stopStrings: [String]) throws(StopStringError) {
        // Duplicates by scalars, not by String ==, which equates "é" with "e\u{301}".
        var seen = Set<[Unicode.Scalar]>()
        var stops: [(text: String, scalars: [Unicode.Scalar])] = []
        for (index, stop) in stopStrings.enumerated() {
            let scalars = Array(stop.unicodeScalars)
            guard !scalars.isEmpty else { throw .emptyStopString(index: index) }
            if seen.insert(scalars).inserted { stops.append((stop, scalars)) }
        }
        // Two distinct stops of one length cannot end at the same place, so no tie is left.
        self.stops = stops.sorted { $0.scalars.count > $1.scalars.count }
        self.longestStop = stops.map(\.scalars.count).max() ?? 0
    }

    /// Whether a stop string has ended the text; later deltas are ignored.
    public var isStopped: Bool { matchedStopString != nil }

    /// Takes the next piece of generated text and returns what can be emitted now.
    public mutating func append(_ delta: String) -> Output {
        guard !isStopped else { return Output(text: "") }
        guard !stops.isEmpty else { return Output(text: delta) }

        // Everything before `held.count` was checked when it arrived, so a match can only
        // end inside the new text.
        let firstNewEnd = held.count + 1
        held.append(contentsOf: delta.unicodeScalars)
        if firstNewEnd <= held.count {
            for end in firstNewEnd...held.count {
                for stop in stops where stop.scalars.count <= end && endsWith(stop.scalars, at: end) {
                    matchedStopString = stop.text
                    let text = Self.string(held[..<(end - stop.scalars.count)])
                    held.removeAll()
                    return Output(text: text, stopString: stop.text)
                }
            }
        }

        // Keep back the longest tail that a later delta could still complete into a stop string.
        let keep = longestTailStartingAStop()
        let text = Self.string(held[..<(held.count - keep)])
        held.removeFirst(held.count - keep)
        return Output(text: text)
    }

    /// Returns the held-back text when generation ends without a stop string.
    public mutating func finish() -> String {
        defer { held.removeAll() }
        return isStopped ? "" : Self.string(held[...])
    }

    /// Text held back because it might begin a stop string.
    public var heldBackText: String { Self.string(held[...]) }

    /// Whether `held[..<end]` ends with `stop`.
    private func endsWith(_ stop: [Unicode.Scalar], at end: Int) -> Bool {
        let start = end - stop.count
        for i in 0..<stop.count where held[start + i] != stop[i] { return false }
        return true
    }

    /// The length of the longest suffix of `held` that is a proper prefix of a stop string.
    private func longestTailStartingAStop() -> Int {
        var length = min(held.count, longestStop - 1)
        while length > 0 {
            let start = held.count - length
            for stop in stops where stop.scalars.count > length {
                var matches = true
                for i in 0..<length where held[start + i] != stop.scalars[i] {
                    matches = false
                    break
                }
                if matches { return length }
            }
            length -= 1
        }
        return 0
    }

    private static func string(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
        var text = String()
        text.unicodeScalars.append(contentsOf: scalars)
        return text
    }
}

/// Why a set of stop strings cannot be used.
public enum StopStringError: Error, Equatable, CustomStringConvertible {
    case emptyStopString(index: Int)

    public var description: String {
        switch self {
        case let .emptyStopString(index):
            "stop string \(index) is empty, and an empty stop string would end generation before any text; remove it from `stop`"
        }
    }
}
