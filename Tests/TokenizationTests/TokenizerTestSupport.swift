import Foundation
import GGUF
import ModelFiles
import Testing
@testable import Tokenization

/// Locations of the reference fixtures and the default model.
enum TestSupport {
    /// `Tests/Fixtures`, found from this file's path.
    static var fixturesDirectory: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent() // TokenizationTests
            .deletingLastPathComponent() // Tests
            .appendingPathComponent("Fixtures")
    }

    /// Tests/TokenizationFixtures/tokenizer-crosscheck.json: expectations computed by Hugging
    /// Face `tokenizers` (see make_tokenizer_fixture.py beside it).
    static var crossCheckFixture: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent("TokenizationFixtures/tokenizer-crosscheck.json")
    }

    /// The default model, pulled into `$CONSERVE_HOME/models` on first use (as `conserve pull` does).
    static var modelPath: String {
        (try? ModelStore.ensureDefaultModel { FileHandle.standardError.write(Data(($0 + "\n").utf8)) })
            ?? ModelStore.defaultModelPath
    }

    private static let cache = LoadedTokenizer()

    final class LoadedTokenizer: Sendable {
        let value: Tokenizer
        let error: String?
        init() {
            let path = TestSupport.modelPath
            guard FileManager.default.fileExists(atPath: path) else {
                error = "model file not found at \(path): download SmolLM2-135M-Instruct.Q4_1.gguf there (or set CONSERVE_HOME)"
                value = try! Tokenizer(model: .byteLevelBPE(.gpt2), tokens: ["a"], merges: ["a a"])
                return
            }
            do {
                value = try Tokenizer(gguf: GGUFFile(path: path))
                error = nil
            } catch {
                self.error = "cannot load the tokenizer from \(path): \(error)"
                value = try! Tokenizer(model: .byteLevelBPE(.gpt2), tokens: ["a"], merges: ["a a"])
            }
        }
    }

    struct MissingModel: Error, CustomStringConvertible { let description: String }

    /// The SmolLM2 tokenizer, loaded once per test process. Without the model file this
    /// records a failure naming the missing path (tests must never pass silently without it).
    static func requireSmolLM() throws -> Tokenizer {
        if let error = cache.error {
            Issue.record(Comment(rawValue: error))
            throw MissingModel(description: error)
        }
        return cache.value
    }

    struct TokenizeCase: Decodable { let text: String; let ids: [Int32] }
    struct Reference: Decodable { let tokenize: [TokenizeCase] }

    static func reference() throws -> Reference {
        let url = fixturesDirectory.appendingPathComponent("smollm2-reference.json")
        return try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }
}

/// A small seeded generator (SplitMix64), so random tests repeat exactly.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
