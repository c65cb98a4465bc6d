/// Turns generated tokens into text as they arrive, never splitting a character: a multi-byte
/// UTF-8 sequence cut across tokens is held back until it completes. Bytes become U+FFFD only
/// once they can no longer be part of a valid character. The concatenation of everything
/// `append` and `flush` return equals `tokenizer.decode(allIDs, skipSpecial:)`.
public struct IncrementalDetokenizer: Sendable {
    public let tokenizer: Tokenizer
    public let skipSpecial: Bool
    /// Bytes decoded but not yet returned: an incomplete sequence at the end of the text.
    private var pending: [UInt8] = []
    private var stripSpace: Bool

    public init(tokenizer: Tokenizer, skipSpecial: Bool = true) {
        self.tokenizer = tokenizer
        self.skipSpecial = skipSpecial
        self.stripSpace = tokenizer.stripsLeadingSpace
    }

    /// The text that token `id` completes; "" while a character is still incomplete.
    public mutating func append(_ id: Int32) -> String {
        tokenizer.appendDecoded(id, skipSpecial: skipSpecial, stripSpace: &stripSpace, to: &pending)
        let ready = pending.count - UTF8Tail.pendingCount(pending)
        guard ready > 0 else { return "" }
        let text = String(decoding: pending[..<ready], as: UTF8.self)
        pending.removeFirst(ready)
        return text
    }

    /// Whatever is held back, with an incomplete sequence as U+FFFD; call at the end of generation.
    public mutating func flush() -> String {
        defer { pending.removeAll() }
        return pending.isEmpty ? "" : String(decoding: pending, as: UTF8.self)
    }

    /// Whether bytes are held back waiting for the rest of a character.
    public var hasPendingBytes: Bool { !pending.isEmpty }
}
