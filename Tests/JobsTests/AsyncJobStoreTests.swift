import Dispatch
import Foundation
@testable import Jobs
import Testing

/// The store as async code uses it: calls leave the caller's thread for the store's own
/// queues, errors come through typed, and a read never waits behind a write.
@Suite(.timeLimit(.minutes(1))) struct AsyncJobStoreTests {
    @Test func callsRunOnTheStoresQueuesNotTheCallers() async throws {
        let jobs = AsyncJobStore(try StoreFixture().store)
        #expect(!AsyncJobStore.isOnStoreQueue)
        #expect(await jobs.read { _ in AsyncJobStore.isOnStoreQueue })
        #expect(await jobs.write { _ in AsyncJobStore.isOnStoreQueue })
    }

    @Test func writesAreSeenByLaterReadsAndErrorsComeThroughTyped() async throws {
        let jobs = AsyncJobStore(try StoreFixture().store)
        let file = try await jobs.write { try $0.createFile(filename: "in.jsonl", purpose: "batch", content: Data("{}".utf8)) }
        let stored = try await jobs.read { try $0.file(id: file.id) }
        #expect(stored == file)
        do {
            _ = try await jobs.write { (store: SQLiteJobStore) throws(JobStoreError) in try store.cancelBatch(id: "batch_nope") }
            Issue.record("cancelled a batch that does not exist")
        } catch {
            #expect(error == .batchNotFound(id: "batch_nope")) // typed: `error` is a JobStoreError
        }
    }

    /// A write that waits (as one syncing to a slow disk does) holds up other writes, not reads.
    @Test func aReadDoesNotWaitBehindAWrite() async throws {
        let jobs = AsyncJobStore(try StoreFixture().store)
        let gate = DispatchSemaphore(value: 0)
        let (started, start) = AsyncStream<Void>.makeStream()
        // Released by the test once the read below is done; on timeout it reports that the read waited.
        let write = Task {
            await jobs.write { _ in
                start.yield()
                return gate.wait(timeout: .now() + 20) == .success
            }
        }
        for await _ in started { break }
        let files = try await jobs.read { try $0.files(limit: 10) }
        #expect(files.isEmpty)
        gate.signal()
        #expect(await write.value)
    }
}
