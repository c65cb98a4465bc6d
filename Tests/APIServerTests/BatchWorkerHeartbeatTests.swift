import Foundation
import Jobs
import Logging
import Synchronization
import Testing
@testable import APIServer

/// A heartbeat's renewal answers for the lines held when it was asked. Lines claimed while it is
/// on its way must keep running: stopping them left them leased to this replica, renewed by
/// owner and run nowhere until their lease ran out (found by bench/cluster_bench.py).
@Suite(.serialized, .timeLimit(.minutes(2))) struct BatchWorkerHeartbeatTests {
    /// The job store, with a renewal that answers late (as a database under load does) and a
    /// count of the claims of each line.
    /// Optionally, a completion that answers late too, after the result is written.
    final class SlowRenewals: JobStore, Sendable {
        let base: any JobStore
        let renewalDelay: Duration, completionDelay: Duration
        let claims = Mutex<[LineLease.Key: Int]>([:])
        init(_ base: any JobStore, renewalDelay: Duration = .milliseconds(400), completionDelay: Duration = .zero) {
            self.base = base
            self.renewalDelay = renewalDelay
            self.completionDelay = completionDelay
        }

        func renewLeases(owner: String, duration: Duration) async throws(JobStoreError) -> Set<LineLease.Key> {
            let held = try await base.renewLeases(owner: owner, duration: duration)
            try? await Task.sleep(for: renewalDelay)
            return held
        }
        func claimLines(owner: String, limit: Int, duration: Duration) async throws(JobStoreError) -> [LineLease] {
            let leases = try await base.claimLines(owner: owner, limit: limit, duration: duration)
            claims.withLock { for lease in leases { $0[lease.key, default: 0] += 1 } }
            return leases
        }
        func createFile(filename: String, purpose: String, content: Data) async throws(JobStoreError) -> StoredFile {
            try await base.createFile(filename: filename, purpose: purpose, content: content)
        }
        func file(id: String) async throws(JobStoreError) -> StoredFile? { try await base.file(id: id) }
        func fileContent(id: String) async throws(JobStoreError) -> Data? { try await base.fileContent(id: id) }
        func files(purpose: String?, limit: Int, after: String?, order: ListOrder) async throws(JobStoreError) -> [StoredFile] {
            try await base.files(purpose: purpose, limit: limit, after: after, order: order)
        }
        func deleteFile(id: String) async throws(JobStoreError) -> Bool { try await base.deleteFile(id: id) }
        func createBatch(endpoint: BatchEndpoint, inputFileID: String, completionWindow: String, metadata: [String: String]?,
                         lines: [BatchLine]) async throws(JobStoreError) -> StoredBatch {
            try await base.createBatch(endpoint: endpoint, inputFileID: inputFileID, completionWindow: completionWindow,
                                       metadata: metadata, lines: lines)
        }
        func startBatch(id: String) async throws(JobStoreError) -> StoredBatch { try await base.startBatch(id: id) }
        func failBatch(id: String, errors: [BatchInputError]) async throws(JobStoreError) -> StoredBatch {
            try await base.failBatch(id: id, errors: errors)
        }
        func cancelBatch(id: String) async throws(JobStoreError) -> StoredBatch { try await base.cancelBatch(id: id) }
        func batch(id: String) async throws(JobStoreError) -> StoredBatch? { try await base.batch(id: id) }
        func batches(limit: Int, after: String?) async throws(JobStoreError) -> [StoredBatch] {
            try await base.batches(limit: limit, after: after)
        }
        func activeBatches() async throws(JobStoreError) -> [StoredBatch] { try await base.activeBatches() }
        func pendingLineCount(batchID: String) async throws(JobStoreError) -> Int { try await base.pendingLineCount(batchID: batchID) }
        func finalize(batchID: String) async throws(JobStoreError) -> StoredBatch { try await base.finalize(batchID: batchID) }
        func complete(_ lease: LineLease, response: Data?, statusCode: Int, error: Data?) async throws(JobStoreError) -> Bool {
            let recorded = try await base.complete(lease, response: response, statusCode: statusCode, error: error)
            try? await Task.sleep(for: completionDelay)
            return recorded
        }
        func release(_ leases: [LineLease]) async throws(JobStoreError) { try await base.release(leases) }
        func lineArrivals() -> AsyncStream<Void>? { base.lineArrivals() }
    }

    @Test func linesClaimedDuringARenewalKeepRunning() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("conserve-heartbeat-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = SlowRenewals(AsyncJobStore(try SQLiteJobStore(dataDirectory: directory)))
        _ = try await runTenLines(on: store)
    }

    /// A line whose result is written while a renewal runs is not held by then: it is done, not
    /// lost, and must not be reported as a lost lease (cluster_bench.py saw one such warning on
    /// a single replica, where no one else could have taken it).
    @Test func aLineDoneDuringARenewalIsNotALostLease() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("conserve-heartbeat-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        // Heartbeats every 0.5 s; each result's write answers 0.6 s after it is done, so
        // renewals run inside those windows.
        let store = SlowRenewals(AsyncJobStore(try SQLiteJobStore(dataDirectory: directory)),
                                 renewalDelay: .zero, completionDelay: .milliseconds(600))
        let worker = try await runTenLines(on: store)
        #expect(await worker.leasesLost == 0)
    }

    /// Runs a batch of 10 short lines through a worker on `store` (2 in flight, a 1.5 s lease)
    /// to its end; each line must be claimed once.
    func runTenLines(on store: SlowRenewals) async throws -> BatchWorker {
        let service = try ServerTestSupport.service.get()
        var configuration = ServerConfiguration(modelName: "smollm2")
        configuration.batchConcurrency = 2
        configuration.batchPollInterval = .milliseconds(50)
        // Heartbeats every lease/3 = 0.5 s, each answering 0.4 s late: most claims land inside one.
        configuration.batchLeaseDuration = .milliseconds(1500)
        let worker = BatchWorker(jobs: store, pipeline: CompletionPipeline(service: service, modelName: "smollm2"),
                                 configuration: configuration, hasIdleCapacity: { true }, logger: Logger(label: "test"))
        let body = Data(#"{"model": "smollm2", "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 2, "temperature": 0}"#.utf8)
        let lines = (0..<10).map { BatchLine(index: $0, customID: "q\($0)", method: "POST", url: "/v1/chat/completions", body: body) }
        let file = try await store.createFile(filename: "in.jsonl", purpose: "batch", content: Data("{}".utf8))
        let batch = try await store.startBatch(id: try await store.createBatch(
            endpoint: .chatCompletions, inputFileID: file.id, completionWindow: "24h", metadata: nil, lines: lines).id)
        await worker.start()
        var current = batch
        for _ in 0..<600 where current.status != .completed {
            try await Task.sleep(for: .milliseconds(50))
            current = try #require(try await store.batch(id: batch.id))
        }
        await worker.stop()
        #expect(current.status == .completed)
        #expect(current.requestCounts == BatchRequestCounts(total: 10, completed: 10, failed: 0))
        let claims = store.claims.withLock { $0 }
        #expect(claims.count == 10)
        #expect(claims.values.allSatisfy { $0 == 1 }, "lines claimed more than once: \(claims.filter { $0.value > 1 })")
        return worker
    }
}
