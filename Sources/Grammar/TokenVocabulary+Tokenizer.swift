import Tokenization

extension TokenVocabulary {
    /// A model's vocabulary as its tokenizer decodes it: ordinary, byte and user-defined tokens
    /// are text; control, unknown, unused and undefined ones never appear in constrained
    /// output. The tokenizer's end-of-generation tokens end it.
    public init(tokenizer: Tokenizer) {
        var bytes: [[UInt8]?] = []
        bytes.reserveCapacity(tokenizer.vocabularySize)
        for id in 0..<Int32(tokenizer.vocabularySize) {
            switch tokenizer.tokenType(id) {
            case .normal, .byte, .userDefined: bytes.append(tokenizer.pieceBytes(id))
            default: bytes.append(nil)
            }
        }
        self.init(tokenBytes: bytes, endTokens: tokenizer.endOfGenerationIDs)
    }
}
