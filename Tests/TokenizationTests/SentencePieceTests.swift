import Testing
@testable import Tokenization

/// A small synthetic SentencePiece vocabulary: <unk>, <s>, </s>, 256 byte tokens, then pieces.
enum SyntheticSentencePiece {
    static let pieces: [(String, Float)] = [
        ("▁", -1), ("a", -2), ("b", -2), ("c", -2), ("h", -2), ("e", -2), ("l", -2), ("o", -2),
        ("w", -2), ("r", -2), ("d", -2),
        ("ab", -5), ("bc", -3),                 // "abc": bc scores higher, so a + bc
        ("aa", -4),                             // "aaa": leftmost pair first, so aa + a
        ("he", -1.5), ("ll", -1.2), ("llo", -1.1), ("hello", -1.0), ("▁hello", -0.5),
        ("▁w", -2.5), ("or", -2.2), ("▁wor", -2.1), ("ld", -2.3), ("▁world", -0.6),
        ("<tool>", 0),                          // user-defined: always matched
    ]

    static func make(addSpacePrefix: Bool = true) throws -> Tokenizer {
        var tokens = ["<unk>", "<s>", "</s>"]
        var types: [TokenType] = [.unknown, .control, .control]
        var scores: [Float] = [0, 0, 0]
        for b in 0..<256 {
            tokens.append("<0x" + String(b, radix: 16, uppercase: true).leftPadded(to: 2) + ">")
            types.append(.byte)
            scores.append(0)
        }
        for (p, s) in pieces {
            tokens.append(p)
            types.append(p == "<tool>" ? .userDefined : .normal)
            scores.append(s)
        }
        return try Tokenizer(model: .sentencePiece, tokens: tokens, tokenTypes: types, scores: scores,
                             bosID: 1, eosID: 2, unknownID: 0, addBOS: true, addSpacePrefix: addSpacePrefix)
    }
}

extension String {
    func leftPadded(to n: Int) -> String { String(repeating: "0", count: max(0, n - count)) + self }
}

@Suite("SentencePiece BPE on a synthetic vocabulary")
struct SentencePieceTests {
    func pieces(_ t: Tokenizer, _ ids: [Int32]) -> [String] { ids.map(t.tokenText) }

    @Test("merges follow scores, with a space prefix and ▁ for spaces")
    func scores() throws {
        let t = try SyntheticSentencePiece.make()
        #expect(pieces(t, t.encode("hello world")) == ["▁hello", "▁world"])
        #expect(pieces(t, t.encode("abc")) == ["▁", "a", "bc"])
        #expect(pieces(t, t.encode("aaa")) == ["▁", "aa", "a"])
        #expect(pieces(t, t.encode("hello  world")) == ["▁hello", "▁", "▁world"])
    }

    @Test("characters outside the vocabulary fall back to byte tokens and decode back")
    func byteFallback() throws {
        let t = try SyntheticSentencePiece.make()
        let ids = t.encode("é€")
        #expect(pieces(t, ids) == ["▁", "<0xC3>", "<0xA9>", "<0xE2>", "<0x82>", "<0xAC>"])
        #expect(t.decode(ids) == "é€")
        #expect(t.pieceBytes(t.tokenID(for: "<0xC3>")!) == [0xC3])
        #expect(t.pieceBytes(t.tokenID(for: "▁hello")!) == Array(" hello".utf8))
    }

    @Test("BOS when asked, special tokens parsed, user-defined tokens always matched")
    func specials() throws {
        let t = try SyntheticSentencePiece.make()
        #expect(t.encode("hello", addSpecial: true) == [1] + t.encode("hello"))
        #expect(t.encode("<s>hello", addSpecial: true) == t.encode("<s>hello")) // no double BOS
        #expect(pieces(t, t.encode("hello</s>")) == ["▁hello", "</s>"])
        #expect(!t.encode("hello</s>", parseSpecial: false).contains(2))
        #expect(pieces(t, t.encode("a<tool>b", parseSpecial: false)) == ["▁", "a", "<tool>", "▁", "b"])
        #expect(t.decode(t.encode("hello</s>"), skipSpecial: true) == "hello")
    }

    @Test("decode removes the prefix space; round trip on vocabulary and fallback text")
    func roundTrip() throws {
        let t = try SyntheticSentencePiece.make()
        for s in ["hello world", " hello", "abc  aaa", "naïve 日本 🤖", "", "\n\tx"] {
            #expect(t.decode(t.encode(s)) == s)
            #expect(t.decode(t.encode(s, addSpecial: true), skipSpecial: true) == s)
        }
        let noPrefix = try SyntheticSentencePiece.make(addSpacePrefix: false)
        #expect(pieces(noPrefix, noPrefix.encode("hello world")) == ["hello", "▁world"])
        #expect(noPrefix.decode(noPrefix.encode(" hello")) == " hello")
    }

    @Test("a SentencePiece vocabulary without scores is rejected with a named key")
    func missingScores() {
        #expect(throws: TokenizerError.missingMetadata(key: "tokenizer.ggml.scores")) {
            try Tokenizer(model: .sentencePiece, tokens: ["a"])
        }
    }
}
