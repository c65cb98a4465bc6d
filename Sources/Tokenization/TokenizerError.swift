/// Why a tokenizer could not be built; each case names what is missing or unsupported.
public enum TokenizerError: Error, Equatable, CustomStringConvertible {
    /// A required GGUF metadata key is absent or has the wrong type.
    case missingMetadata(key: String)
    /// `tokenizer.ggml.model` names an algorithm this tokenizer does not implement.
    case unsupportedModel(String)
    /// `tokenizer.ggml.pre` names a pre-tokenizer this tokenizer does not implement.
    case unsupportedPreTokenizer(String)
    /// The vocabulary arrays disagree with each other (lengths, ids out of range).
    case inconsistentVocabulary(String)

    public var description: String {
        switch self {
        case let .missingMetadata(key):
            "the GGUF file has no usable \(key); it cannot be tokenized (re-convert the model with a current llama.cpp convert script)"
        case let .unsupportedModel(name):
            "tokenizer.ggml.model \"\(name)\" is not supported; supported: \"gpt2\" (byte-level BPE) and \"llama\" (SentencePiece BPE)"
        case let .unsupportedPreTokenizer(name):
            "tokenizer.ggml.pre \"\(name)\" is not supported; supported: "
                + PreTokenizer.supportedGGUFNames.sorted().joined(separator: ", ")
        case let .inconsistentVocabulary(reason):
            "the tokenizer vocabulary is inconsistent: \(reason)"
        }
    }
}
