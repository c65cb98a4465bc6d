import Foundation
import Testing
@testable import Jobs
#if canImport(Glibc)
import Glibc
#endif

/// "Kill the server with SIGKILL mid-batch and start it again: the batch continues, finished
/// lines are not run twice, no line is lost or duplicated in the output file."
@Suite struct CrashDurabilityTests {
    /// The result a run records for a line: which run wrote it is in the body, so the output
    /// file shows whether a line was run before the crash or after the restart.
    static func recordResult(_ store: SQLiteJobStore, batchID: String, line: BatchLine, run: String) throws -> Bool {
        if line.index % 7 == 3 {
            let error = Data(#"{"code":"server_error","message":"\#(run) line \#(line.index)"}"#.utf8)
            return try store.recordResult(batchID: batchID, lineIndex: line.index, response: nil, statusCode: 500, error: error)
        }
        let body = Data(#"{"by":"\#(run)","line":\#(line.index)}"#.utf8)
        return try store.recordResult(batchID: batchID, lineIndex: line.index, response: body, statusCode: 200, error: nil)
    }

    /// What a restarted server's batch worker does: run every pending line, then finalize.
    static func resume(_ store: SQLiteJobStore, batchID: String) throws -> StoredBatch {
        while true {
            let pending = try store.pendingLines(batchID: batchID, limit: 100)
            if pending.isEmpty { break }
            for line in pending {
                #expect(try recordResult(store, batchID: batchID, line: line, run: "restart"))
            }
        }
        return try store.finalize(batchID: batchID)
    }

    /// Checks the finished batch: every line exactly once across the two files, in input
    /// order, and each line run by the first run if and only if it was committed before the crash.
    static func checkFinished(
        _ store: SQLiteJobStore, _ batch: StoredBatch, lineCount: Int, committedBeforeCrash: Set<Int>
    ) throws {
        #expect(batch.status == .completed)
        #expect(batch.requestCounts.total == lineCount)
        #expect(batch.requestCounts.completed + batch.requestCounts.failed == lineCount)

        let output = try storedLines(store, batch.outputFileID)
        let errors = try storedLines(store, batch.errorFileID)
        #expect(output.count == batch.requestCounts.completed)
        #expect(errors.count == batch.requestCounts.failed)

        func index(_ line: [String: Any]) -> Int {
            Int(((line["custom_id"] as? String) ?? "").dropFirst("request-".count)) ?? -1
        }
        let outputIndexes = output.map(index)
        let errorIndexes = errors.map(index)
        #expect(outputIndexes == outputIndexes.sorted())
        #expect(errorIndexes == errorIndexes.sorted())
        #expect((outputIndexes + errorIndexes).sorted() == Array(0..<lineCount))

        for line in output {
            let body = (line["response"] as? [String: Any])?["body"] as? [String: Any]
            let expectedRun = committedBeforeCrash.contains(index(line)) ? "first run" : "restart"
            #expect(body?["by"] as? String == expectedRun, "line \(index(line))")
        }
        for line in errors {
            let message = (line["error"] as? [String: Any])?["message"] as? String
            let expectedRun = committedBeforeCrash.contains(index(line)) ? "first run" : "restart"
            #expect(message == "\(expectedRun) line \(index(line))")
        }
    }

    @Test func secondStoreOnTheSameFileSeesEveryCommittedResult() throws {
        let fixture = try StoreFixture()
        let first = fixture.store
        let batch = try inProgressBatch(first, lines: 50)
        var committed = Set<Int>()
        for line in try first.pendingLines(batchID: batch.id) where line.index % 3 != 1 {
            #expect(try Self.recordResult(first, batchID: batch.id, line: line, run: "first run"))
            committed.insert(line.index)
        }

        // The "crashed" server's store is never closed; the restarted one opens the same file.
        let restarted = try fixture.reopen()
        #expect(try restarted.activeBatches().map(\.id) == [batch.id])
        let pending = try restarted.pendingLines(batchID: batch.id)
        #expect(Set(pending.map(\.index)) == Set(0..<50).subtracting(committed))
        let counts = try #require(try restarted.batch(id: batch.id)).requestCounts
        #expect(counts.completed + counts.failed == committed.count)

        // A worker that re-runs a finished line by mistake changes nothing.
        let finished = try #require(committed.min())
        #expect(try Self.recordResult(restarted, batchID: batch.id, line: chatLines(count: 50)[finished], run: "restart") == false)

        let done = try Self.resume(restarted, batchID: batch.id)
        try Self.checkFinished(restarted, done, lineCount: 50, committedBeforeCrash: committed)
        // The first store sees the same finished batch.
        #expect(try first.batch(id: batch.id) == done)
    }

    // MARK: - A real SIGKILL

    static let childDirectoryVariable = "CONSERVE_JOBS_CRASH_CHILD_DIR"
    static let childBatchVariable = "CONSERVE_JOBS_CRASH_CHILD_BATCH"
    static let childLineCount = 600
    /// The parent kills the child once this many results are committed; past them the child
    /// slows down, so the kill lands with most of the batch still to do.
    static let killAfterResults = 100

    /// Whether this process can start another copy of the test binary (`swift test` on Linux
    /// runs one executable; on macOS the tests live in a bundle that a runner loads).
    static var canRunChild: Bool {
        #if os(Linux)
        FileManager.default.isExecutableFile(atPath: CommandLine.arguments[0])
        #else
        false
        #endif
    }

    /// Not a test on its own: the child process that the SIGKILL test starts (it is skipped
    /// unless that test set its environment). It records results, then keeps recording slowly
    /// so that it is killed in the middle of the batch.
    @Test(.enabled(if: ProcessInfo.processInfo.environment[childDirectoryVariable] != nil))
    func childProcessRecordsResultsUntilKilled() async throws {
        let environment = ProcessInfo.processInfo.environment
        let directory = URL(fileURLWithPath: try #require(environment[Self.childDirectoryVariable]))
        let batchID = try #require(environment[Self.childBatchVariable])
        let store = try SQLiteJobStore(dataDirectory: directory)
        var recorded = 0
        while true {
            let pending = try store.pendingLines(batchID: batchID, limit: 100)
            if pending.isEmpty { break }
            for line in pending {
                _ = try Self.recordResult(store, batchID: batchID, line: line, run: "first run")
                recorded += 1
                if recorded > Self.killAfterResults {
                    try await Task.sleep(for: .milliseconds(25)) // leave the parent ample time to kill mid-batch, even on a loaded machine
                }
            }
        }
        // Finished before the kill came: wait for it rather than exit, as a server would.
        try await Task.sleep(for: .seconds(120))
    }

    @Test(.enabled(if: canRunChild)) func batchSurvivesSIGKILLOfTheProcessWritingIt() async throws {
        let fixture = try StoreFixture(clock: nil)
        let store = fixture.store
        let batch = try inProgressBatch(store, lines: Self.childLineCount)

        let child = Process()
        child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        child.arguments = ["--testing-library", "swift-testing", "--filter", "childProcessRecordsResultsUntilKilled"]
        var environment = ProcessInfo.processInfo.environment
        environment[Self.childDirectoryVariable] = fixture.directory.url.path
        environment[Self.childBatchVariable] = batch.id
        child.environment = environment
        child.standardOutput = FileHandle.nullDevice
        child.standardError = FileHandle.nullDevice
        try child.run()
        defer {
            if child.isRunning {
                kill(child.processIdentifier, SIGKILL)
                child.waitUntilExit()
            }
        }

        // Wait (bounded) until the child has committed enough results, then kill it mid-write.
        // The wait blocks this thread on purpose: a task sleeping on the shared cooperative
        // pool can wait seconds for a thread while other suites compute, long enough for the
        // child to finish the whole batch.
        var committedAtKill = 0
        for _ in 0..<12_000 where child.isRunning {
            let counts = try #require(try store.batch(id: batch.id)).requestCounts
            committedAtKill = counts.completed + counts.failed
            if committedAtKill >= Self.killAfterResults { break }
            usleep(5_000)
        }
        try #require(child.isRunning, "the child exited by itself with status \(child.terminationStatus)")
        try #require(committedAtKill >= Self.killAfterResults, "the child never committed enough results")
        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
        #expect(child.terminationReason == .uncaughtSignal)
        #expect(child.terminationStatus == SIGKILL)

        // Restart: a new store on the same directory finds the batch and its pending lines.
        let restarted = try fixture.reopen()
        #expect(try restarted.activeBatches().map(\.id) == [batch.id])
        let counts = try #require(try restarted.batch(id: batch.id)).requestCounts
        let pending = try restarted.pendingLines(batchID: batch.id, limit: Self.childLineCount).map(\.index)
        let committed = Set(0..<Self.childLineCount).subtracting(pending)
        #expect(committed.count >= committedAtKill)
        #expect(counts.completed + counts.failed == committed.count)
        #expect(!pending.isEmpty, "the kill should land before the child finished the batch")

        let done = try Self.resume(restarted, batchID: batch.id)
        try Self.checkFinished(restarted, done, lineCount: Self.childLineCount, committedBeforeCrash: committed)
    }
}
