/// What a grammar needs to know of a model's vocabulary: the bytes each token stands for, and
/// which tokens end generation.
public struct TokenVocabulary: Sendable {
    /// Per token id, its bytes; nil for tokens that are not text (control tokens, unused
    /// slots, the unknown token), which a grammar never allows.
    public let tokenBytes: [[UInt8]?]
    /// Tokens that end generation: allowed exactly when the grammar has matched completely.
    public let endTokens: [Int32]

    /// The tokens as a prefix tree, for the mask walks of every grammar on this vocabulary.
    let trie: TokenTrie

    public init(tokenBytes: [[UInt8]?], endTokens: [Int32]) {
        self.tokenBytes = tokenBytes
        self.endTokens = endTokens
        trie = TokenTrie(tokenBytes: tokenBytes)
    }

    public var count: Int { tokenBytes.count }

    /// The longest token, in bytes.
    public var maxTokenLength: Int { trie.maxDepth }
}
