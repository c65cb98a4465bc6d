import Foundation
import Testing
@testable import Tokenization

@Suite("Pre-tokenizer splits")
struct PreTokenizerTests {
    @Test("GPT-2: contractions are lower-case only, spaces attach to the next word, last space of a run stays apart")
    func gpt2() {
        let p = PreTokenizer.gpt2
        #expect(p.split("don't I'M") == ["don", "'t", " I", "'", "M"])
        #expect(p.split("a   b") == ["a", "  ", " b"])
        #expect(p.split("x 123 4567") == ["x", " 123", " 4567"])
        #expect(p.split("hi!! \n") == ["hi", "!!", " \n"])
        #expect(p.split("tabs\tand") == ["tabs", "\t", "and"])
        #expect(p.split("end  ") == ["end", "  "])
    }

    @Test("SmolLM: every digit alone, the space before a number stays apart")
    func smollm() {
        let p = PreTokenizer.smollm
        #expect(p.split("Numbers: 1234") == ["Numbers", ":", " ", "1", "2", "3", "4"])
        #expect(p.split("3.14") == ["3", ".", "1", "4"])
        #expect(p.split("x²") == ["x", "²"]) // \p{N} includes No
        #expect(p.split("line1\n\nline3\r\n") == ["line", "1", "\n", "\n", "line", "3", "\r\n"])
        #expect(p.split("don't won't") == ["don", "'t", " won", "'t"])
    }

    @Test("Llama 3: digits in groups of up to three, case-insensitive contractions, newlines")
    func llama3() {
        let p = PreTokenizer.llama3
        #expect(p.split("1234567") == ["123", "456", "7"])
        #expect(p.split("a 12345") == ["a", " ", "123", "45"])
        #expect(p.split("I'M WE'LL") == ["I", "'M", " WE", "'LL"])
        #expect(p.split("x  \n\ny") == ["x", "  \n\n", "y"])
        #expect(p.split("a  b") == ["a", " ", " b"])
        #expect(p.split("(x)\n") == ["(x", ")\n"])
        #expect(p.split("\tword") == ["\tword"])
    }

    @Test("Qwen 2: the Llama 3 pattern with single digits")
    func qwen2() {
        #expect(PreTokenizer.qwen2.split("v12 345") == ["v", "1", "2", " ", "3", "4", "5"])
    }

    @Test("default: punctuation runs apart, ASCII digits in threes")
    func fallback() {
        let p = PreTokenizer.default
        #expect(p.split("don't") == ["don", "'", "t"])
        #expect(p.split("a 12345") == ["a", " ", "123", "45"])
        #expect(p.split("hi, you!") == ["hi", ",", " you", "!"])
    }

    @Test("GGUF names map to patterns; unknown names are rejected")
    func names() {
        #expect(PreTokenizer(ggufName: "smollm") == .smollm)
        #expect(PreTokenizer(ggufName: "llama-bpe") == .llama3)
        #expect(PreTokenizer(ggufName: "qwen2") == .qwen2)
        #expect(PreTokenizer(ggufName: "gpt-2") == .gpt2)
        #expect(PreTokenizer(ggufName: "default") == .default)
        #expect(PreTokenizer(ggufName: "no-such-thing") == nil)
    }

    struct CrossCheck: Decodable {
        let split_texts: [String]
        let splits: [String: [[String]]]
    }

    @Test("splits agree with Hugging Face tokenizers' regexes on tricky and random text",
          arguments: ["gpt2", "smollm", "llama3", "qwen2"])
    func crossCheck(name: String) throws {
        let fixture = try JSONDecoder().decode(CrossCheck.self, from: Data(contentsOf: TestSupport.crossCheckFixture))
        let pre = try #require(PreTokenizer(ggufName: name))
        let expected = try #require(fixture.splits[name])
        #expect(expected.count == fixture.split_texts.count)
        var failures = 0
        for (text, want) in zip(fixture.split_texts, expected) {
            let got = pre.split(text)
            if got != want {
                failures += 1
                if failures <= 5 { Issue.record("\(name): \(text.debugDescription): got \(got), want \(want)") }
            }
        }
        #expect(failures == 0)
    }
}
