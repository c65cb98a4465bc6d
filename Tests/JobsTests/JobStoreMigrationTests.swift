import Foundation
import Testing
@testable import Jobs

@Suite struct JobStoreMigrationTests {
    @Test func freshDirectoryIsCreatedAndMigrated() throws {
        let parent = try TemporaryDirectory()
        let dataDirectory = parent.url.appendingPathComponent("nested/data", isDirectory: true)
        let store = try SQLiteJobStore(dataDirectory: dataDirectory)

        #expect(FileManager.default.fileExists(atPath: dataDirectory.appendingPathComponent("conserve.sqlite").path))
        #expect(store.databasePath.hasSuffix("nested/data/conserve.sqlite"))
        #expect(try store.appliedMigrations() == ["v1 files, batches, batch lines and results"])
        #expect(try store.files().isEmpty)
        #expect(try store.batches().isEmpty)
    }

    @Test func reopeningKeepsDataAndDoesNotMigrateTwice() throws {
        let fixture = try StoreFixture()
        let file = try fixture.store.createFile(filename: "a.jsonl", purpose: "batch", content: Data("x".utf8))

        let reopened = try fixture.reopen()
        #expect(try reopened.appliedMigrations().count == 1)
        #expect(try reopened.file(id: file.id) == file)
    }

    @Test func databaseRunsInWALMode() throws {
        let fixture = try StoreFixture()
        #expect(try fixture.store.pragma("journal_mode") == "wal")
        #expect(try fixture.store.pragma("synchronous") == "2")  // FULL: every commit is synced
    }

    @Test func unwritableDirectoryIsATypedError() throws {
        let parent = try TemporaryDirectory()
        let blocker = parent.url.appendingPathComponent("not-a-directory")
        try Data("file".utf8).write(to: blocker)
        #expect {
            _ = try SQLiteJobStore(dataDirectory: blocker.appendingPathComponent("data"))
        } throws: { error in
            guard case .cannotCreateDirectory = error as? JobStoreError else { return false }
            return true
        }
    }

    @Test func aFileThatIsNotADatabaseIsATypedError() throws {
        let directory = try TemporaryDirectory()
        try Data(repeating: 0x41, count: 4096).write(to: directory.url.appendingPathComponent("conserve.sqlite"))
        #expect {
            _ = try SQLiteJobStore(dataDirectory: directory.url)
        } throws: { error in
            switch error as? JobStoreError {
            case .cannotOpenDatabase, .migrationFailed: true
            default: false
            }
        }
    }
}
