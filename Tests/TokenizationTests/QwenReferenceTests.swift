import Foundation
import GGUF
import ModelFiles
import Testing
@testable import Tokenization

/// Qwen2.5-Coder-0.5B-Instruct's tokenizer (the `qwen2` pre-tokenizer over a 151,936-token
/// vocabulary) and chat template against llama.cpp's, as recorded in
/// `Tests/Fixtures/qwen2.5-coder-0.5b-reference.json` (`Tests/Fixtures/README.md`).
@Suite("Qwen2.5-Coder tokenizer and chat template against llama.cpp", .serialized)
struct QwenReferenceTests {
    struct Fixture: Decodable {
        struct TokenizeCase: Decodable { let text: String; let ids: [Int32] }
        struct Message: Decodable { let role: String; let content: String }
        struct ChatCase: Decodable { let messages: [Message]; let rendered: String }
        struct Generate: Decodable { let prompt: String; let prompt_ids: [Int32] }
        let tokenize: [TokenizeCase]
        let chat_template: [ChatCase]
        let generate: [Generate]
    }

    /// The model file, pulled on first use (`conserve pull qwen2.5-coder-0.5b`), read once.
    static let file: Result<GGUFFile, any Error> = Result {
        try GGUFFile(path: try ModelStore.ensure(ModelCatalog.qwen25Coder05B, log: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }))
    }

    static let tokenizer: Result<Tokenizer, any Error> = Result { try Tokenizer(gguf: try file.get()) }

    static func fixture() throws -> Fixture {
        let url = TestSupport.fixturesDirectory.appendingPathComponent("qwen2.5-coder-0.5b-reference.json")
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }

    @Test("tokenize cases give llama-tokenize's ids, and decode back to their text")
    func referenceIDs() throws {
        let tokenizer = try Self.tokenizer.get()
        let fixture = try Self.fixture()
        #expect(fixture.tokenize.count >= 10)
        // The generate cases' prompts are tokenized by llama-tokenize too: longer, chat-shaped texts.
        let cases = fixture.tokenize.map { ($0.text, $0.ids) } + fixture.generate.map { ($0.prompt, $0.prompt_ids) }
        for (text, ids) in cases {
            #expect(tokenizer.encode(text, addSpecial: true, parseSpecial: true) == ids, "text: \(text.debugDescription)")
            #expect(tokenizer.decode(ids) == text)
        }
    }

    @Test("metadata: vocabulary, end of generation, no BOS")
    func metadata() throws {
        let t = try Self.tokenizer.get()
        #expect(t.vocabularySize == 151_936)
        #expect(t.addBOS == false)
        #expect(t.tokenID(for: "<|im_end|>") == 151_645)
        #expect(t.tokenID(for: "<|im_start|>") == 151_644)
        #expect(t.isEndOfGeneration(151_645)) // <|im_end|>
        #expect(t.isEndOfGeneration(151_643)) // <|endoftext|>
        #expect(!t.isEndOfGeneration(151_644))
    }

    @Test("the GGUF's chat template renders as llama.cpp's (llama-server --jinja) byte for byte")
    func chatTemplate() throws {
        let file = try Self.file.get()
        let source = try #require(file.string("tokenizer.chat_template"))
        let template = try ChatTemplate(source: source)
        let cases = try Self.fixture().chat_template
        #expect(cases.count >= 3)
        for c in cases {
            let messages = c.messages.map { ChatMessage(role: $0.role, content: $0.content) }
            #expect(try template.render(messages: messages, addGenerationPrompt: true) == c.rendered, "messages: \(messages)")
        }
    }
}
