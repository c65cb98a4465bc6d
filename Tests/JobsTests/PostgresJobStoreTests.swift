import Foundation
@testable import Jobs
import Testing

/// The PostgreSQL job store against a real PostgreSQL 15 (`TemporaryPostgres`): the same Files
/// and Batches API as SQLite, and the per-line leases that let replicas share batches.
@Suite(.serialized, .timeLimit(.minutes(2))) struct PostgresJobStoreTests {
    static func lines(_ count: Int) -> [BatchLine] {
        (0..<count).map {
            BatchLine(index: $0, customID: "req-\($0)", method: "POST", url: "/v1/chat/completions", body: Data("{\"n\":\($0)}".utf8))
        }
    }

    static func startedBatch(_ store: PostgresJobStore, lines count: Int) async throws -> StoredBatch {
        let file = try await store.createFile(filename: "in.jsonl", purpose: "batch", content: Data("{}".utf8))
        let batch = try await store.createBatch(endpoint: .chatCompletions, inputFileID: file.id, completionWindow: "24h",
                                                metadata: ["k": "v"], lines: lines(count))
        return try await store.startBatch(id: batch.id)
    }

    static func answer(_ index: Int) -> Data { Data("{\"answer\":\(index)}".utf8) }

    @Test func filesRoundTripWithPagingAndDelete() async throws {
        let store = try await TemporaryPostgres.store()
        defer { store.close() }
        #expect(try await store.appliedMigrations() == [1])
        var created: [StoredFile] = []
        for n in 0..<3 {
            created.append(try await store.createFile(filename: "f\(n).jsonl", purpose: n == 1 ? "user_data" : "batch",
                                                      content: Data(repeating: UInt8(n), count: n * 10)))
        }
        #expect(try await store.file(id: created[2].id) == created[2])
        #expect(try await store.fileContent(id: created[2].id) == Data(repeating: 2, count: 20))
        #expect(try await store.fileContent(id: created[0].id) == Data())
        let firstPage = try await store.files(purpose: nil, limit: 2, after: nil, order: .ascending)
        #expect(firstPage.map(\.id) == [created[0].id, created[1].id])
        let nextPage = try await store.files(purpose: nil, limit: 2, after: firstPage.last!.id, order: .ascending)
        #expect(nextPage.map(\.id) == [created[2].id])
        #expect(try await store.files(purpose: "batch", limit: 10, after: nil, order: .descending).map(\.id) == [created[2].id, created[0].id])
        await #expect(throws: JobStoreError.invalidCursor("file-nope")) {
            try await store.files(purpose: nil, limit: 2, after: "file-nope", order: .ascending)
        }
        #expect(try await store.deleteFile(id: created[1].id))
        #expect(try await !store.deleteFile(id: created[1].id))
        #expect(try await store.fileContent(id: created[1].id) == nil)
    }

    @Test func aBatchRunsToCompletionAndItsResultsSurviveARestart() async throws {
        let server = try TemporaryPostgres.shared.get()
        let location = try server.newDatabase()
        let store = try await TemporaryPostgres.store(location)
        let batch = try await Self.startedBatch(store, lines: 5)
        #expect(batch.status == .inProgress)
        #expect(try await store.activeBatches().map(\.id) == [batch.id])
        let leases = try await store.claimLines(owner: "a", limit: 10, duration: .seconds(30))
        #expect(leases.map(\.line.index) == [0, 1, 2, 3, 4])
        #expect(leases.allSatisfy { $0.attempt == 1 && $0.endpoint == .chatCompletions })
        for lease in leases where lease.line.index != 3 {
            #expect(try await store.complete(lease, response: Self.answer(lease.line.index), statusCode: 200, error: nil))
        }
        #expect(try await store.complete(leases[3], response: nil, statusCode: 400, error: Data("{\"message\":\"bad\"}".utf8)))
        #expect(try await store.pendingLineCount(batchID: batch.id) == 0)
        let done = try await store.finalize(batchID: batch.id)
        #expect(done.status == .completed && done.requestCounts == BatchRequestCounts(total: 5, completed: 4, failed: 1))
        #expect(try await store.finalize(batchID: batch.id) == done) // harmless twice
        store.close()

        try server.restart()
        let reopened = try await TemporaryPostgres.store(location)
        defer { reopened.close() }
        #expect(try await reopened.batch(id: batch.id) == done)
        let (outputID, errorID) = (try #require(done.outputFileID), try #require(done.errorFileID))
        let output = String(decoding: try #require(try await reopened.fileContent(id: outputID)), as: UTF8.self)
        #expect(output.split(separator: "\n").count == 4)
        #expect(output.contains("\"custom_id\":\"req-0\"") && !output.contains("\"custom_id\":\"req-3\""))
        let errors = String(decoding: try #require(try await reopened.fileContent(id: errorID)), as: UTF8.self)
        #expect(errors.contains("\"custom_id\":\"req-3\""))
        #expect(try await reopened.appliedMigrations() == [1]) // reopening migrates nothing twice
    }

    @Test func twoReplicasClaimingAtOnceNeverHoldTheSameLine() async throws {
        let server = try TemporaryPostgres.shared.get()
        let location = try server.newDatabase()
        let (a, b) = (try await TemporaryPostgres.store(location), try await TemporaryPostgres.store(location))
        defer { a.close(); b.close() }
        let batch = try await Self.startedBatch(a, lines: 300)
        // Each replica claims small handfuls as fast as it can until nothing is left.
        func drain(_ store: PostgresJobStore, owner: String) async throws -> [Int] {
            var held: [Int] = []
            while true {
                let leases = try await store.claimLines(owner: owner, limit: 7, duration: .seconds(60))
                if leases.isEmpty { return held }
                held += leases.map(\.line.index)
            }
        }
        async let heldByA = drain(a, owner: "a")
        async let heldByB = drain(b, owner: "b")
        let (linesA, linesB) = try await (heldByA, heldByB)
        #expect(Set(linesA).isDisjoint(with: linesB))
        #expect((linesA + linesB).sorted() == Array(0..<300))
        #expect(!linesA.isEmpty && !linesB.isEmpty, "both replicas should have found lines")
        #expect(try await b.claimLines(owner: "c", limit: 10, duration: .seconds(60)).isEmpty)
        #expect(try await a.pendingLineCount(batchID: batch.id) == 300) // claimed is not done
    }

    @Test func anExpiredLeaseIsReclaimedAndTheLateCompletionWritesNothing() async throws {
        let server = try TemporaryPostgres.shared.get()
        let location = try server.newDatabase()
        let (a, b) = (try await TemporaryPostgres.store(location), try await TemporaryPostgres.store(location))
        defer { a.close(); b.close() }
        let batch = try await Self.startedBatch(a, lines: 2)
        let stale = try await a.claimLines(owner: "a", limit: 2, duration: .milliseconds(500))
        #expect(stale.count == 2)
        #expect(try await b.claimLines(owner: "b", limit: 2, duration: .seconds(30)).isEmpty) // still held
        try await Task.sleep(for: .milliseconds(800))
        let fresh = try await b.claimLines(owner: "b", limit: 2, duration: .seconds(30))
        #expect(fresh.map(\.line.index) == [0, 1] && fresh.allSatisfy { $0.attempt == 2 })
        // The first holder wakes up late: its heartbeat finds nothing held, its result is refused.
        #expect(try await a.renewLeases(owner: "a", duration: .seconds(30)).isEmpty)
        #expect(try await !a.complete(stale[0], response: Self.answer(100), statusCode: 200, error: nil))
        #expect(try await b.complete(fresh[0], response: Self.answer(0), statusCode: 200, error: nil))
        // The winner cannot write twice either.
        #expect(try await !b.complete(fresh[0], response: Self.answer(0), statusCode: 200, error: nil))
        #expect(try await a.batch(id: batch.id)?.requestCounts == BatchRequestCounts(total: 2, completed: 1, failed: 0))
        #expect(try await b.renewLeases(owner: "b", duration: .seconds(30)) == [fresh[1].key])
        #expect(try await b.complete(fresh[1], response: Self.answer(1), statusCode: 200, error: nil))
        let done = try await b.finalize(batchID: batch.id)
        let outputID = try #require(done.outputFileID)
        let output = String(decoding: try #require(try await a.fileContent(id: outputID)), as: UTF8.self)
        #expect(output.contains("\"answer\":0") && !output.contains("\"answer\":100"))
    }

    @Test func aHeartbeatKeepsTheLeaseAndAReleaseGivesItBack() async throws {
        let server = try TemporaryPostgres.shared.get()
        let location = try server.newDatabase()
        let (a, b) = (try await TemporaryPostgres.store(location), try await TemporaryPostgres.store(location))
        defer { a.close(); b.close() }
        _ = try await Self.startedBatch(a, lines: 2)
        let held = try await a.claimLines(owner: "a", limit: 2, duration: .milliseconds(600))
        for _ in 0..<3 {
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await a.renewLeases(owner: "a", duration: .milliseconds(600)) == Set(held.map(\.key)))
        }
        #expect(try await b.claimLines(owner: "b", limit: 2, duration: .seconds(30)).isEmpty)
        try await a.release([held[1]])
        #expect(try await b.claimLines(owner: "b", limit: 2, duration: .seconds(30)).map(\.line.index) == [1])
    }

    @Test func startingABatchWakesOtherReplicas() async throws {
        let server = try TemporaryPostgres.shared.get()
        let location = try server.newDatabase()
        let (a, b) = (try await TemporaryPostgres.store(location), try await TemporaryPostgres.store(location))
        defer { a.close(); b.close() }
        let arrivals = try #require(b.lineArrivals())
        // The listener connects in the background: start batches until one is heard (or 5 s pass).
        let heard = try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await _ in arrivals { return true }
                return false
            }
            group.addTask {
                for _ in 0..<20 {
                    _ = try await Self.startedBatch(a, lines: 1)
                    try await Task.sleep(for: .milliseconds(250))
                }
                return false
            }
            defer { group.cancelAll() }
            return try await group.next() ?? false
        }
        #expect(heard, "no notification reached the other replica")
    }

    @Test func resultsOfCancelledBatchesAndBadURLsAreRefused() async throws {
        let store = try await TemporaryPostgres.store()
        defer { store.close() }
        let batch = try await Self.startedBatch(store, lines: 2)
        let leases = try await store.claimLines(owner: "a", limit: 2, duration: .seconds(30))
        #expect(try await store.complete(leases[0], response: Self.answer(0), statusCode: 200, error: nil))
        _ = try await store.cancelBatch(id: batch.id)
        #expect(try await store.claimLines(owner: "a", limit: 2, duration: .seconds(30)).isEmpty) // only in_progress lines
        let cancelled = try await store.finalize(batchID: batch.id)
        #expect(cancelled.status == .cancelled && cancelled.requestCounts.completed == 1)
        #expect(try await !store.complete(leases[1], response: Self.answer(1), statusCode: 200, error: nil))
        #expect(throws: JobStoreError.self) { try PostgresLocation(url: "mysql://u@h/db") }
        #expect(throws: JobStoreError.self) { try PostgresLocation(url: "postgres://h:5432/db") }
        let parsed = try PostgresLocation(url: "postgres://me:secret@db.local:6543/jobs?sslmode=disable")
        #expect(parsed == PostgresLocation(host: "db.local", port: 6543, username: "me", password: "secret", database: "jobs", sslMode: "disable"))
        #expect(!parsed.description.contains("secret"))
    }
}
