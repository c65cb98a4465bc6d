import Foundation
import Testing
@testable import Jobs

@Suite struct FileStoreTests {
    @Test func createReadAndDelete() throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        let content = Data("{\"custom_id\":\"a\"}\n".utf8)

        let file = try store.createFile(filename: "input.jsonl", purpose: "batch", content: content)
        #expect(file.id.hasPrefix("file-"))
        #expect(file.id.count == "file-".count + 24)
        #expect(file.id.dropFirst(5).allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) })
        #expect(file.bytes == content.count)
        #expect(file.filename == "input.jsonl")
        #expect(file.purpose == "batch")
        #expect(file.status == .processed)

        #expect(try store.file(id: file.id) == file)
        #expect(try store.fileContent(id: file.id) == content)

        #expect(try store.deleteFile(id: file.id))
        #expect(try store.file(id: file.id) == nil)
        #expect(try store.fileContent(id: file.id) == nil)
        #expect(try store.deleteFile(id: file.id) == false)
    }

    @Test func unknownIDsAreNil() throws {
        let store = try StoreFixture().store
        #expect(try store.file(id: "file-nope") == nil)
        #expect(try store.fileContent(id: "file-nope") == nil)
    }

    @Test func emptyAndBinaryContentRoundTrip() throws {
        let store = try StoreFixture().store
        let empty = try store.createFile(filename: "empty", purpose: "user_data", content: Data())
        #expect(empty.bytes == 0)
        #expect(try store.fileContent(id: empty.id) == Data())

        let binary = Data((0..<1024).map { UInt8($0 % 256) })
        let file = try store.createFile(filename: "blob.bin", purpose: "user_data", content: binary)
        #expect(try store.fileContent(id: file.id) == binary)
    }

    @Test func idsAreDistinct() throws {
        let store = try StoreFixture().store
        let ids = try (0..<50).map { _ in try store.createFile(filename: "f", purpose: "batch", content: Data()).id }
        #expect(Set(ids).count == ids.count)
    }

    @Test func listsPageWithAfterInBothOrders() throws {
        let store = try StoreFixture().store
        let created = try (0..<7).map { index in
            try store.createFile(filename: "f\(index)", purpose: "batch", content: Data([UInt8(index)]))
        }
        let newestFirst = created.reversed().map(\.id)

        // Default: newest first, everything.
        #expect(try store.files().map(\.id) == newestFirst)

        // Descending pages of 3, each starting after the last id of the previous one.
        var pages: [[String]] = []
        var after: String?
        repeat {
            let page = try store.files(limit: 3, after: after, order: .descending).map(\.id)
            if page.isEmpty { break }
            pages.append(page)
            after = page.last
        } while true
        #expect(pages.map(\.count) == [3, 3, 1])
        #expect(pages.flatMap { $0 } == newestFirst)

        // Ascending.
        let firstPage = try store.files(limit: 4, order: .ascending).map(\.id)
        #expect(firstPage == created.prefix(4).map(\.id))
        let secondPage = try store.files(limit: 4, after: firstPage.last, order: .ascending).map(\.id)
        #expect(secondPage == created.suffix(3).map(\.id))
    }

    @Test func filesCreatedInTheSameSecondKeepTheirOrder() throws {
        // A clock that never moves: ties on created_at are broken by insertion order.
        let directory = try TemporaryDirectory()
        let store = try SQLiteJobStore(dataDirectory: directory.url, clock: { 1_700_000_000 })
        let created = try (0..<5).map { try store.createFile(filename: "f\($0)", purpose: "batch", content: Data()) }

        let page1 = try store.files(limit: 2, order: .ascending).map(\.id)
        let page2 = try store.files(limit: 2, after: page1.last, order: .ascending).map(\.id)
        let page3 = try store.files(limit: 2, after: page2.last, order: .ascending).map(\.id)
        #expect(page1 + page2 + page3 == created.map(\.id))
        #expect(try store.files(limit: 10, after: created[2].id, order: .descending).map(\.id)
                == [created[1].id, created[0].id])
    }

    @Test func listFiltersByPurpose() throws {
        let store = try StoreFixture().store
        let input = try store.createFile(filename: "in.jsonl", purpose: "batch", content: Data())
        _ = try store.createFile(filename: "notes.txt", purpose: "user_data", content: Data())
        let output = try store.createFile(filename: "out.jsonl", purpose: "batch_output", content: Data())

        #expect(try store.files(purpose: "batch").map(\.id) == [input.id])
        #expect(try store.files(purpose: "batch_output").map(\.id) == [output.id])
        #expect(try store.files(purpose: "fine-tune").isEmpty)
        #expect(try store.files().count == 3)
    }

    @Test func badLimitsAndCursorsAreTypedErrors() throws {
        let store = try StoreFixture().store
        #expect(throws: JobStoreError.invalidLimit(0, allowed: 1...10_000)) {
            try store.files(limit: 0)
        }
        #expect(throws: JobStoreError.invalidLimit(10_001, allowed: 1...10_000)) {
            try store.files(limit: 10_001)
        }
        #expect(throws: JobStoreError.invalidCursor("file-gone")) {
            try store.files(after: "file-gone")
        }
    }

    @Test func errorMessagesSayWhatToDo() {
        let message = JobStoreError.invalidCursor("file-x").description
        #expect(message.contains("file-x"))
        #expect(message.contains("leave 'after' out"))
        #expect(JobStoreError.fileNotFound(id: "file-y").description.contains("GET /v1/files"))
    }
}
