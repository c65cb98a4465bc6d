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

    static func reference() throws -> ReferenceFixture {
        let data = try Data(contentsOf: fixturesDirectory.appendingPathComponent("smollm2-reference.json"))
        return try JSONDecoder().decode(ReferenceFixture.self, from: data)
    }
}

/// The parts of `smollm2-reference.json` the model tests read.
struct ReferenceFixture: Decodable {
    struct Generate: Decodable {
        struct Exact: Decodable {
            struct Step: Decodable { let top: [[Double]] }
            let greedy_ids: [Int32]
            let top2_margins: [Double]
            let steps: [Step]
        }
        let prompt: String
        let prompt_ids: [Int32]
        let exact: Exact
    }
    let generate: [Generate]
}
