import Testing
@testable import Tokenization

/// Random UTF-8 text from a seeded generator: ASCII, accents, CJK, emoji, whitespace runs, newlines.
enum RandomText {
    static let pools: [[String]] = [
        (0x20...0x7E).map { String(UnicodeScalar(UInt8($0))) },
        ["é", "è", "ü", "ñ", "ç", "ø", "å", "ß", "œ", "Ω", "π", "ж", "ş", "e\u{301}"],
        ["日", "本", "語", "中", "文", "字", "한", "국", "の", "テ", "キ", "ス", "ト"],
        ["🤖", "🚀", "👍🏽", "👨‍👩‍👧", "🇫🇷", "😀", "🔥", "✨"],
        [" ", "  ", "    ", "\t", "\n", "\n\n", "\r\n", " \n", "\u{A0}", "\u{3000}"],
        ["0", "1", "42", "2024", "3.14", "²", "Ⅻ", "٣"],
        ["'s", "'t", "'LL", "don't", "the", " and", "Hello", "WORLD", "<", "|", ">", "<|", "|>"],
    ]

    static func make(_ rng: inout SeededGenerator, maxPieces: Int = 30) -> String {
        var s = ""
        for _ in 0..<Int.random(in: 1...maxPieces, using: &rng) {
            let pool = pools.randomElement(using: &rng)!
            s += pool.randomElement(using: &rng)!
        }
        return s
    }
}

@Suite("Round trips")
struct RoundTripTests {
    @Test("SmolLM2: decode(encode(s)) == s on 500 random strings")
    func smollmRandom() throws {
        let t = try TestSupport.requireSmolLM()
        var rng = SeededGenerator(seed: 42)
        for _ in 0..<500 {
            let s = RandomText.make(&rng)
            let ids = t.encode(s)
            #expect(t.decode(ids) == s, "\(s.debugDescription) -> \(ids)")
            #expect(ids.allSatisfy { t.tokenType($0) == .normal }, "\(s.debugDescription) gave a special token")
        }
    }

    @Test("SmolLM2: long inputs (whitespace runs, one long word) round trip")
    func smollmLong() throws {
        let t = try TestSupport.requireSmolLM()
        for s in [String(repeating: " ", count: 5000), String(repeating: "ab", count: 3000),
                  String(repeating: "🤖", count: 500), String(repeating: "x\n", count: 2000)] {
            #expect(t.decode(t.encode(s)) == s)
        }
    }

    @Test("SentencePiece: decode(encode(s)) == s on 200 random strings")
    func sentencePieceRandom() throws {
        let t = try SyntheticSentencePiece.make()
        var rng = SeededGenerator(seed: 7)
        for _ in 0..<200 {
            // The synthetic vocabulary has no "<|" tokens, so any text is plain.
            let s = RandomText.make(&rng)
            #expect(t.decode(t.encode(s)) == s, "\(s.debugDescription)")
        }
    }
}
