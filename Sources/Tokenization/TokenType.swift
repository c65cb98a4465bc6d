/// The role of one vocabulary entry, numbered as `tokenizer.ggml.token_type` numbers it.
public enum TokenType: Int32, Sendable, CaseIterable {
    case undefined = 0
    /// An ordinary piece of text, produced by the merge algorithm.
    case normal = 1
    /// The unknown token (`<unk>`), emitted when nothing else fits.
    case unknown = 2
    /// A control token (`<|im_end|>`, `<s>`): matched in text only when special tokens are parsed.
    case control = 3
    /// An added token that is always matched in text, before the merge algorithm runs.
    case userDefined = 4
    /// A reserved slot with no meaning.
    case unused = 5
    /// A SentencePiece byte-fallback token (`<0x0A>`).
    case byte = 6

    /// Control and unknown tokens: dropped by `decode(_:skipSpecial: true)`.
    var isSpecial: Bool { self == .control || self == .unknown }
}
