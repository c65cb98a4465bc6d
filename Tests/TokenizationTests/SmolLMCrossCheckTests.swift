import Foundation
import Testing
@testable import Tokenization

@Suite("SmolLM2 tokenizer against Hugging Face tokenizers")
struct SmolLMCrossCheckTests {
    struct Case: Decodable { let text: String; let ids: [Int32] }
    struct Fixture: Decodable { let smollm_encode: [Case] }

    @Test("tricky and random strings give the same ids as HF tokenizers built from the GGUF vocabulary")
    func sameIDs() throws {
        let tokenizer = try TestSupport.requireSmolLM()
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: TestSupport.crossCheckFixture))
        #expect(fixture.smollm_encode.count > 300)
        var failures = 0
        for c in fixture.smollm_encode {
            let ids = tokenizer.encode(c.text)
            if ids != c.ids {
                failures += 1
                if failures <= 5 { Issue.record("\(c.text.debugDescription): got \(ids), want \(c.ids)") }
            }
        }
        #expect(failures == 0)
    }
}
