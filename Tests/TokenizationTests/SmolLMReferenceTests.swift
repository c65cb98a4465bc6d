import Foundation
import Testing
@testable import Tokenization

@Suite("SmolLM2 tokenizer against llama.cpp")
struct SmolLMReferenceTests {
    @Test("tokenize cases of smollm2-reference.json give identical ids")
    func referenceIDs() throws {
        let tokenizer = try TestSupport.requireSmolLM()
        let reference = try TestSupport.reference()
        #expect(!reference.tokenize.isEmpty)
        for c in reference.tokenize {
            let ids = tokenizer.encode(c.text, addSpecial: false, parseSpecial: true)
            #expect(ids == c.ids, "text: \(c.text.debugDescription)")
        }
    }

    @Test("reference texts decode back to themselves")
    func referenceRoundTrip() throws {
        let tokenizer = try TestSupport.requireSmolLM()
        for c in try TestSupport.reference().tokenize {
            #expect(tokenizer.decode(c.ids) == c.text)
        }
    }

    @Test("metadata: vocabulary, BOS/EOS, end of generation")
    func metadata() throws {
        let t = try TestSupport.requireSmolLM()
        #expect(t.vocabularySize == 49152)
        #expect(t.model == .byteLevelBPE(.smollm))
        #expect(t.bosID == 1)
        #expect(t.eosID == 2)
        #expect(t.addBOS == false)
        #expect(t.addEOS == false)
        #expect(t.tokenID(for: "<|im_end|>") == 2)
        #expect(t.tokenText(1) == "<|im_start|>")
        #expect(t.isEndOfGeneration(2))
        #expect(t.isEndOfGeneration(0)) // <|endoftext|>
        #expect(!t.isEndOfGeneration(1))
        #expect(t.pieceBytes(t.tokenID(for: "Ġthe")!) == Array(" the".utf8))
        #expect(t.pieceBytes(2) == Array("<|im_end|>".utf8))
    }

    @Test("special tokens: parsed only when asked, skipped on request, BOS only when asked")
    func specialTokens() throws {
        let t = try TestSupport.requireSmolLM()
        let text = "<|im_start|>user\nhi<|im_end|>"
        let parsed = t.encode(text)
        #expect(parsed.first == 1 && parsed.last == 2)
        let plain = t.encode(text, parseSpecial: false)
        #expect(!plain.contains(1) && !plain.contains(2))
        #expect(t.decode(plain) == text)
        #expect(t.decode(parsed) == text)
        #expect(t.decode(parsed, skipSpecial: true) == "user\nhi")
        // Offsets into the decoded text: skipped special tokens take no bytes.
        let offsets = t.decodedOffsets(parsed, skipSpecial: true)
        let decoded = Array("user\nhi".utf8)
        #expect(offsets.count == parsed.count && offsets.first == 0 && offsets.last == decoded.count)
        for (i, id) in parsed.enumerated() where id != 1 && id != 2 {
            let piece = t.pieceBytes(id)
            #expect(Array(decoded[offsets[i] ..< offsets[i] + piece.count]) == piece)
        }
        #expect(t.decodedOffsets(plain) == plain.indices.map { t.decode(Array(plain[..<$0])).utf8.count })
        // add_bos_token is false for SmolLM2: addSpecial adds nothing.
        #expect(t.encode("hi", addSpecial: true) == t.encode("hi"))
    }
}
