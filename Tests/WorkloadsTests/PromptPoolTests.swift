import Foundation
import LlamaModel
import ModelFiles
import Testing
import Tokenization
@testable import Workloads

@Suite struct PromptPoolTests {
    static let tokenizer: Result<Tokenizer, any Error> = Result {
        let path = try ModelStore.ensureDefaultModel { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
        return try Tokenizer(gguf: try LoadedModel(path: path).file)
    }

    @Test func promptsHaveExactlyTheAskedTokenCountsAndDoNotRepeat() throws {
        let tokenizer = try Self.tokenizer.get()
        // Mixed scripts and emoji: slices can split words and UTF-8 sequences.
        let texts = [
            "Summarize the main ideas of a growth marketing agency's launch plan into bullet points.",
            "Écris un poème sur la mer, avec des rimes embrassées — et un titre.",
            "用中文解释一下量子计算的基本原理，并举一个例子。",
            "Fix this code: for i in range(10): print(i ** 2) 🐍🐍 and explain why it fails.",
        ]
        let pool = try PromptPool(texts: texts, tokenizer: tokenizer, seed: 1)
        var seen = Set<String>()
        for asked in [1, 2, 7, 33, 120, 500, 64, 9] {
            let prompt = pool.prompt(tokens: asked)
            #expect(prompt.tokens == asked, "asked \(asked), got \(prompt.tokens)")
            #expect(tokenizer.encode(prompt.text, addSpecial: true, parseSpecial: false).count == prompt.tokens)
            #expect(seen.insert(prompt.text).inserted || asked < 3)
        }
    }
}
