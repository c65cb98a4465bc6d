import Testing
@testable import Tokenization

@Suite("Incremental detokenizer")
struct IncrementalDetokenizerTests {
    /// Feeds `ids` one at a time; returns each step's output and the flush.
    func feed(_ t: Tokenizer, _ ids: [Int32], skipSpecial: Bool = true) -> (steps: [String], flushed: String) {
        var d = IncrementalDetokenizer(tokenizer: t, skipSpecial: skipSpecial)
        let steps = ids.map { d.append($0) }
        return (steps, d.flush())
    }

    @Test("emoji and CJK fed token by token: never a broken character, same text as decode")
    func emojiAndCJK() throws {
        let t = try TestSupport.requireSmolLM()
        let text = "emoji 🤖🚀👨‍👩‍👧 end 日本語のテキスト naïve 🇫🇷!"
        let ids = t.encode(text)
        // Byte-level BPE splits some of these characters across tokens.
        #expect(ids.contains { String(validating: t.pieceBytes($0), as: UTF8.self) == nil })
        let (steps, flushed) = feed(t, ids)
        for step in steps { #expect(!step.unicodeScalars.contains("\u{FFFD}"), "broken character: \(step.debugDescription)") }
        #expect(steps.contains(""))
        #expect(flushed == "")
        #expect(steps.joined() == text)
        #expect(steps.joined() == t.decode(ids, skipSpecial: true))
    }

    @Test("special tokens: skipped by default, kept when asked")
    func specials() throws {
        let t = try TestSupport.requireSmolLM()
        let ids = t.encode("<|im_start|>assistant\nHi 😀<|im_end|>")
        #expect(feed(t, ids).steps.joined() == "assistant\nHi 😀")
        #expect(feed(t, ids, skipSpecial: false).steps.joined() == t.decode(ids))
    }

    @Test("random token sequences: concatenated output always equals decode")
    func randomIDs() throws {
        let t = try TestSupport.requireSmolLM()
        var rng = SeededGenerator(seed: 99)
        for _ in 0..<300 {
            let ids = (0..<Int.random(in: 1...20, using: &rng)).map { _ in
                Int32.random(in: 0..<Int32(t.vocabularySize), using: &rng)
            }
            for skip in [true, false] {
                let (steps, flushed) = feed(t, ids, skipSpecial: skip)
                #expect(steps.joined() + flushed == t.decode(ids, skipSpecial: skip))
            }
        }
    }

    @Test("invalid bytes become U+FFFD only once certain; a truncated tail is flushed as U+FFFD")
    func invalidBytes() throws {
        let t = try SyntheticSentencePiece.make(addSpacePrefix: false)
        func byte(_ b: UInt8) -> Int32 { t.tokenID(for: "<0x" + String(b, radix: 16, uppercase: true).leftPadded(to: 2) + ">")! }
        let a = t.tokenID(for: "a")!

        // E2 82 then "a": the sequence can only be judged invalid when "a" arrives.
        var ids = [byte(0xE2), byte(0x82), a]
        var r = feed(t, ids)
        #expect(r.steps == ["", "", "\u{FFFD}a"])
        #expect(r.steps.joined() + r.flushed == t.decode(ids))

        // E2 82 AC completes "€" on the third byte.
        ids = [byte(0xE2), byte(0x82), byte(0xAC)]
        #expect(feed(t, ids).steps == ["", "", "€"])

        // FF can never start a character: reported at once.
        #expect(feed(t, [byte(0xFF)]).steps == ["\u{FFFD}"])
        // E0 80 is an over-long form: invalid as soon as 80 arrives.
        r = feed(t, [byte(0xE0), byte(0x80)])
        #expect(r.steps.joined() + r.flushed == t.decode([byte(0xE0), byte(0x80)]))
        #expect(r.flushed == "")

        // F0 9F left hanging at the end: flush gives one U+FFFD, as decode does.
        ids = [a, byte(0xF0), byte(0x9F)]
        r = feed(t, ids)
        #expect(r.steps == ["a", "", ""])
        #expect(r.flushed == "\u{FFFD}")
        #expect(r.steps.joined() + r.flushed == t.decode(ids))
    }

    @Test("SentencePiece: the prefix space is removed once, as decode does")
    func sentencePiecePrefix() throws {
        let t = try SyntheticSentencePiece.make()
        let ids = t.encode("hello world", addSpecial: true)
        let (steps, flushed) = feed(t, ids)
        #expect(steps.joined() + flushed == "hello world")
    }
}
