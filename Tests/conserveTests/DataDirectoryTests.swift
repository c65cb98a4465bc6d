import Foundation
import Testing
@testable import conserve

/// A clone stands on its own: the benchmarks find the repository's own `data/` with no flag,
/// and a directory the user names is used or refused, never passed over.
@Suite struct DataDirectoryTests {
    static let repositoryData = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("data").path

    @Test func withNoFlagTheRepositorysDataIsFound() throws {
        guard ProcessInfo.processInfo.environment["CONSERVE_DATA"] == nil else {
            Issue.record("unset $CONSERVE_DATA to run this test")
            return
        }
        let found = try DataDirectory.locate(nil)
        #expect(URL(fileURLWithPath: found).standardized.path == Self.repositoryData)
        for file in ["traces/azure_conv_2023.csv", "traces/azure_code_2023.csv", "offline/gsm8k_test.jsonl",
                     "offline/aclsum_docs.jsonl", "online/sharegpt_first_turns.jsonl"] {
            #expect(FileManager.default.fileExists(atPath: found + "/" + file), "\(file) missing from \(found)")
        }
    }

    @Test func aNamedDirectoryIsUsedOrRefused() throws {
        #expect(try DataDirectory.locate(Self.repositoryData) == Self.repositoryData)
        let empty = NSTemporaryDirectory() + "conserve-no-data-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: empty) }
        #expect(throws: (any Error).self) { try DataDirectory.locate(empty) }
    }
}
