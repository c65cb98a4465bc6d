import GGUF

extension Tokenizer {
    /// Builds the tokenizer a GGUF file describes (`tokenizer.ggml.*` metadata).
    /// Throws `TokenizerError` naming the missing key or the unsupported model / pre-tokenizer.
    public convenience init(gguf: GGUFFile) throws(TokenizerError) {
        let modelName = try Self.require(gguf.string("tokenizer.ggml.model"), "tokenizer.ggml.model")
        let tokens = try Self.require(gguf.stringArray("tokenizer.ggml.tokens"), "tokenizer.ggml.tokens")
        let model: TokenizerModel
        var ignoreMerges = false
        var defaultAddBOS = false
        var defaultBOS: Int32? = nil, defaultEOS: Int32? = nil, defaultUnknown: Int32? = nil
        switch modelName {
        case "gpt2":
            let preName = gguf.string("tokenizer.ggml.pre") ?? "default"
            guard let pre = PreTokenizer(ggufName: preName) else { throw .unsupportedPreTokenizer(preName) }
            model = .byteLevelBPE(pre)
            ignoreMerges = PreTokenizer.ignoreMergesNames.contains(preName)
            defaultAddBOS = pre == .llama3
        case "llama":
            model = .sentencePiece
            defaultAddBOS = true
            defaultBOS = 1
            defaultEOS = 2
            defaultUnknown = 0
        default:
            throw .unsupportedModel(modelName)
        }

        var types: [TokenType]? = nil
        if let raw = gguf.intArray("tokenizer.ggml.token_type") {
            types = raw.map { TokenType(rawValue: Int32(truncatingIfNeeded: $0)) ?? .undefined }
        }
        let scores = gguf.doubleArray("tokenizer.ggml.scores")?.map { Float($0) }
        var merges: [String] = []
        if case .byteLevelBPE = model {
            merges = try Self.require(gguf.stringArray("tokenizer.ggml.merges"), "tokenizer.ggml.merges")
        }
        func id(_ key: String, _ fallback: Int32?) -> Int32? {
            guard let v = gguf.int(key) else { return fallback.flatMap { Int($0) < tokens.count ? $0 : nil } }
            return v >= 0 && v < tokens.count ? Int32(v) : fallback
        }
        try self.init(
            model: model,
            tokens: tokens,
            tokenTypes: types,
            scores: scores,
            merges: merges,
            bosID: id("tokenizer.ggml.bos_token_id", defaultBOS),
            eosID: id("tokenizer.ggml.eos_token_id", defaultEOS),
            eotID: id("tokenizer.ggml.eot_token_id", nil),
            unknownID: id("tokenizer.ggml.unknown_token_id", defaultUnknown),
            addBOS: gguf.bool("tokenizer.ggml.add_bos_token") ?? defaultAddBOS,
            addEOS: gguf.bool("tokenizer.ggml.add_eos_token") ?? false,
            addSpacePrefix: gguf.bool("tokenizer.ggml.add_space_prefix"),
            ignoreMerges: ignoreMerges
        )
    }

    private static func require<T>(_ value: T?, _ key: String) throws(TokenizerError) -> T {
        guard let value else { throw .missingMetadata(key: key) }
        return value
    }
}
