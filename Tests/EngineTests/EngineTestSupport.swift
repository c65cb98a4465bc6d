import Foundation
import LlamaModel
import ModelFiles

/// The default model, fetched on first use, loaded once for the whole test process.
enum EngineTestSupport {
    static func defaultModelPath() throws -> String {
        try ModelStore.ensureDefaultModel { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
    }

    static let model: Result<LoadedModel, any Error> = Result { try LoadedModel(path: try defaultModelPath()) }

    /// A fresh directory under the system's temporary directory.
    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "conserve-engine-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
