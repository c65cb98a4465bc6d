/// Which merge algorithm a vocabulary uses.
public enum TokenizerModel: Sendable, Equatable {
    /// Byte-level BPE (`tokenizer.ggml.model = gpt2`): merges ranked by a merge list, over the
    /// bytes of words cut by a pre-tokenizer.
    case byteLevelBPE(PreTokenizer)
    /// SentencePiece BPE (`tokenizer.ggml.model = llama`): merges chosen by piece score, `▁`
    /// for spaces, `<0xXX>` byte fallback.
    case sentencePiece
}

/// Text <-> token ids for one vocabulary. Immutable once built, so it is shared freely across
/// threads. Build it from a GGUF file with `init(gguf:)`, or from arrays with
/// `init(model:tokens:...)`.
public final class Tokenizer: Sendable {
    public let model: TokenizerModel
    public let bosID: Int32?
    public let eosID: Int32?
    /// End of turn (`tokenizer.ggml.eot_token_id`), where the model has one.
    public let eotID: Int32?
    public let unknownID: Int32?
    /// Whether `encode(_:addSpecial: true)` puts BOS first / EOS last.
    public let addBOS: Bool
    public let addEOS: Bool
    /// SentencePiece: a `▁` is put before text at the start and after each special token, and
    /// the first space of the decoded text is removed again.
    public let addSpacePrefix: Bool

    let tokens: [String]
    let types: [TokenType]
    let idForText: [String: Int32]
    /// The bytes each token stands for, concatenated; token i is pieceData[pieceStart[i]..<pieceStart[i+1]].
    let pieceData: [UInt8]
    let pieceStart: [Int32]
    let endOfGeneration: Set<Int32>
    let specials: SpecialTokenSplitter
    let bytePair: BytePairMerger?
    /// Whole words looked up before merging (Llama 3 style `ignore_merges`), or nil.
    let wholeWords: [[UInt8]: Int32]?
    let sentencePiece: SentencePieceMerger?

    /// Token texts that end generation whatever the metadata says (as llama.cpp treats them).
    static let endOfGenerationTexts: Set<String> = [
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<|endoftext|>", "<|end_of_text|>", "<|eom_id|>",
        "<end_of_turn>", "<EOT>", "</s>", "<|return|>", "<|call|>", "<end_of_utterance>",
    ]

    /// Builds a tokenizer from vocabulary arrays.
    /// - Parameters:
    ///   - tokens: token texts by id, as the GGUF stores them (byte-level spelling for BPE).
    ///   - tokenTypes: one per token; nil makes every token normal.
    ///   - scores: SentencePiece piece scores (higher merges first); required for `.sentencePiece`.
    ///   - merges: byte-level BPE merges `"left right"`, best first; required for `.byteLevelBPE`.
    ///   - addSpacePrefix: nil takes the model's default (true for SentencePiece).
    ///   - ignoreMerges: look whole words up before merging; nil takes the pre-tokenizer's default.
    public init(
        model: TokenizerModel,
        tokens: [String],
        tokenTypes: [TokenType]? = nil,
        scores: [Float]? = nil,
        merges: [String] = [],
        bosID: Int32? = nil,
        eosID: Int32? = nil,
        eotID: Int32? = nil,
        unknownID: Int32? = nil,
        addBOS: Bool = false,
        addEOS: Bool = false,
        addSpacePrefix: Bool? = nil,
        ignoreMerges: Bool = false
    ) throws(TokenizerError) {
        let count = tokens.count
        guard count > 0, count < Int(Int32.max) else {
            throw .inconsistentVocabulary("the vocabulary has \(count) tokens")
        }
        let types = tokenTypes ?? [TokenType](repeating: .normal, count: count)
        guard types.count == count else {
            throw .inconsistentVocabulary("\(types.count) token types for \(count) tokens")
        }
        for (name, id) in [("BOS", bosID), ("EOS", eosID), ("EOT", eotID), ("unknown", unknownID)] {
            if let id, id < 0 || Int(id) >= count {
                throw .inconsistentVocabulary("\(name) token id \(id) is outside the vocabulary of \(count) tokens")
            }
        }
        self.model = model
        self.tokens = tokens
        self.types = types
        self.bosID = bosID
        self.eosID = eosID
        self.eotID = eotID
        self.unknownID = unknownID
        self.addBOS = addBOS && bosID != nil
        self.addEOS = addEOS && eosID != nil

        var idForText: [String: Int32] = [:]
        idForText.reserveCapacity(count)
        for (i, text) in tokens.enumerated() where idForText[text] == nil { idForText[text] = Int32(i) }
        self.idForText = idForText

        // What each token stands for, as bytes.
        var data: [UInt8] = []
        var starts: [Int32] = [0]
        starts.reserveCapacity(count + 1)
        for i in 0..<count {
            data.append(contentsOf: Self.pieceBytes(tokens[i], type: types[i], model: model))
            starts.append(Int32(data.count))
        }
        pieceData = data
        pieceStart = starts

        var eog = Set<Int32>()
        for id in [eosID, eotID] { if let id { eog.insert(id) } }
        for text in Self.endOfGenerationTexts { if let id = idForText[text] { eog.insert(id) } }
        endOfGeneration = eog

        specials = SpecialTokenSplitter(entries: (0..<count).compactMap { i in
            switch types[i] {
            case .control, .unknown:
                SpecialTokenSplitter.Entry(bytes: Array(tokens[i].utf8), id: Int32(i), onlyWhenParsing: true)
            case .userDefined:
                SpecialTokenSplitter.Entry(bytes: Array(tokens[i].utf8), id: Int32(i), onlyWhenParsing: false)
            default:
                nil
            }
        })

        switch model {
        case .byteLevelBPE:
            guard !merges.isEmpty else { throw .missingMetadata(key: "tokenizer.ggml.merges") }
            self.addSpacePrefix = addSpacePrefix ?? false
            var byteTokens = [Int32](repeating: -1, count: 256)
            for b in 0..<256 {
                let spelling = String(Unicode.Scalar(ByteLevel.scalarForByte[b])!)
                if let id = idForText[spelling] { byteTokens[b] = id }
            }
            var table: [UInt64: UInt64] = [:]
            table.reserveCapacity(merges.count)
            for (rank, merge) in merges.enumerated() {
                // "left right": split at the first space after the first character.
                let utf8 = merge.utf8
                guard let first = utf8.first, first != 0x20 || utf8.count > 1,
                      let space = utf8.dropFirst().firstIndex(of: 0x20) else { continue }
                let left = String(merge[..<space])
                let right = String(merge[merge.index(after: space)...])
                guard let l = idForText[left], let r = idForText[right],
                      let m = idForText[left + right], types[Int(m)] == .normal || types[Int(m)] == .userDefined
                else { continue }
                let key = BytePairMerger.pairKey(l, r)
                if table[key] == nil { table[key] = UInt64(rank) << 32 | UInt64(UInt32(m)) }
            }
            bytePair = BytePairMerger(byteTokens: byteTokens, merges: table)
            if ignoreMerges {
                var words: [[UInt8]: Int32] = [:]
                for i in 0..<count where types[i] == .normal {
                    words[Array(data[Int(starts[i])..<Int(starts[i + 1])])] = Int32(i)
                }
                wholeWords = words
            } else {
                wholeWords = nil
            }
            sentencePiece = nil

        case .sentencePiece:
            guard let scores, scores.count == count else {
                throw scores == nil
                    ? .missingMetadata(key: "tokenizer.ggml.scores")
                    : .inconsistentVocabulary("\(scores!.count) scores for \(count) tokens")
            }
            self.addSpacePrefix = addSpacePrefix ?? true
            var pieceIDs: [[UInt8]: Int32] = [:]
            var byteTokens = [Int32](repeating: -1, count: 256)
            for i in 0..<count {
                switch types[i] {
                case .normal, .userDefined:
                    let key = Array(tokens[i].utf8)
                    if pieceIDs[key] == nil { pieceIDs[key] = Int32(i) }
                case .byte:
                    if let b = Self.byteValue(of: tokens[i]), byteTokens[Int(b)] < 0 { byteTokens[Int(b)] = Int32(i) }
                default:
                    break
                }
            }
            sentencePiece = SentencePieceMerger(pieceIDs: pieceIDs, scores: scores, byteTokens: byteTokens, unknownID: unknownID)
            bytePair = nil
            wholeWords = nil
        }
    }

    /// `<0xAB>` -> 0xAB.
    static func byteValue(of text: String) -> UInt8? {
        let u = Array(text.utf8)
        guard u.count == 6, u[0] == 0x3C, u[1] == 0x30, u[2] == 0x78, u[5] == 0x3E else { return nil }
        return UInt8(String(decoding: u[3..<5], as: UTF8.self), radix: 16)
    }

    static func pieceBytes(_ text: String, type: TokenType, model: TokenizerModel) -> [UInt8] {
        switch (type, model) {
        case (.normal, .byteLevelBPE), (.undefined, .byteLevelBPE), (.unused, .byteLevelBPE):
            return ByteLevel.bytes(of: text)
        case (.byte, _):
            if let b = byteValue(of: text) { return [b] }
            return Array(text.utf8)
        case (.normal, .sentencePiece), (.undefined, .sentencePiece), (.unused, .sentencePiece):
            var out: [UInt8] = []
            for scalar in text.unicodeScalars {
                if scalar == "\u{2581}" { out.append(0x20) } else { out.append(contentsOf: String(scalar).utf8) }
            }
            return out
        default:
            return Array(text.utf8) // control, unknown, user-defined: their text as written
        }
    }

    // MARK: - Vocabulary

    public var vocabularySize: Int { tokens.count }

    /// The token whose vocabulary text is exactly `piece` (as stored: `Ġhello`, `▁hello`, `<|im_end|>`).
    public func tokenID(for piece: String) -> Int32? { idForText[piece] }

    /// The vocabulary text of a token, as stored; "" for ids outside the vocabulary.
    public func tokenText(_ id: Int32) -> String {
        id >= 0 && Int(id) < tokens.count ? tokens[Int(id)] : ""
    }

    public func tokenType(_ id: Int32) -> TokenType {
        id >= 0 && Int(id) < types.count ? types[Int(id)] : .undefined
    }

    /// The raw bytes a token stands for (a control token's own text); empty for ids outside the vocabulary.
    public func pieceBytes(_ id: Int32) -> [UInt8] {
        guard id >= 0, Int(id) < tokens.count else { return [] }
        return Array(pieceData[Int(pieceStart[Int(id)])..<Int(pieceStart[Int(id) + 1])])
    }

    /// Whether generating `id` ends the turn: EOS, EOT, and the end-of-turn control tokens
    /// (`<|im_end|>`, `<|eot_id|>`, `<|endoftext|>`, `</s>`, ...).
    public func isEndOfGeneration(_ id: Int32) -> Bool { endOfGeneration.contains(id) }

    /// All end-of-generation ids, ascending.
    public var endOfGenerationIDs: [Int32] { endOfGeneration.sorted() }
}
