import Foundation
import Jobs
import Logging
import Synchronization
import Testing
@testable import APIServer

/// The worker takes batch lines only while its engine has idle capacity (the rule that admits
/// offline work), so a busy replica leaves them to idle ones.
@Suite(.serialized, .timeLimit(.minutes(2))) struct BatchWorkerAdmissionTests {
    final class Switch: Sendable {
        let isOn = Mutex(false)
    }

    @Test func aBusyEngineClaimsNoLinesAndAnIdleOneRunsThemAll() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("conserve-admission-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let jobs = AsyncJobStore(try SQLiteJobStore(dataDirectory: directory))
        let service = try ServerTestSupport.service.get()
        var configuration = ServerConfiguration(modelName: "smollm2")
        configuration.batchConcurrency = 4
        configuration.batchPollInterval = .milliseconds(100)
        let idle = Switch()
        let worker = BatchWorker(jobs: jobs, pipeline: CompletionPipeline(service: service, modelName: "smollm2"),
                                 configuration: configuration, hasIdleCapacity: { idle.isOn.withLock { $0 } },
                                 logger: Logger(label: "test"))
        let body = Data(#"{"model": "smollm2", "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 3, "temperature": 0}"#.utf8)
        let lines = (0..<3).map { BatchLine(index: $0, customID: "q\($0)", method: "POST", url: "/v1/chat/completions", body: body) }
        let file = try await jobs.createFile(filename: "in.jsonl", purpose: "batch", content: Data("{}".utf8))
        let batch = try await jobs.startBatch(id: try await jobs.createBatch(
            endpoint: .chatCompletions, inputFileID: file.id, completionWindow: "24h", metadata: nil, lines: lines).id)
        await worker.start()

        // Busy: several polls go by and nothing is claimed.
        try await Task.sleep(for: .milliseconds(600))
        #expect(await worker.linesInFlight == 0)
        #expect(try await jobs.pendingLineCount(batchID: batch.id) == 3)

        // Idle: every line runs and the batch completes.
        idle.isOn.withLock { $0 = true }
        var current = batch
        for _ in 0..<300 where current.status != .completed {
            try await Task.sleep(for: .milliseconds(100))
            current = try #require(try await jobs.batch(id: batch.id))
        }
        await worker.stop()
        #expect(current.status == .completed)
        #expect(current.requestCounts == BatchRequestCounts(total: 3, completed: 3, failed: 0))
    }
}
