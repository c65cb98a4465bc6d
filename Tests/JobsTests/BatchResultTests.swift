import Foundation
import Testing
@testable import Jobs

@Suite struct BatchResultTests {
    @Test func resultsUpdateCountsAndPendingLines() throws {
        let store = try StoreFixture().store
        let batch = try inProgressBatch(store, lines: 5)

        #expect(try store.recordResult(batchID: batch.id, lineIndex: 0, response: responseBody(0), statusCode: 200, error: nil))
        #expect(try store.recordResult(batchID: batch.id, lineIndex: 3, response: nil, statusCode: 500, error: errorObject(3)))
        #expect(try store.recordResult(batchID: batch.id, lineIndex: 2, response: responseBody(2), statusCode: 200, error: nil))

        let counts = try #require(try store.batch(id: batch.id)).requestCounts
        #expect(counts == BatchRequestCounts(total: 5, completed: 2, failed: 1))
        #expect(counts.pending == 2)
        #expect(try store.pendingLines(batchID: batch.id).map(\.index) == [1, 4])
        #expect(try store.pendingLineCount(batchID: batch.id) == 2)
    }

    @Test func recordingALineTwiceIsANoOp() throws {
        let store = try StoreFixture().store
        let batch = try inProgressBatch(store, lines: 2)

        #expect(try store.recordResult(batchID: batch.id, lineIndex: 1, response: responseBody(1), statusCode: 200, error: nil))
        // The same line again, even with a different outcome: the first result stands.
        #expect(try store.recordResult(batchID: batch.id, lineIndex: 1, response: responseBody(1), statusCode: 200, error: nil) == false)
        #expect(try store.recordResult(batchID: batch.id, lineIndex: 1, response: nil, statusCode: 500, error: errorObject(1)) == false)

        #expect(try store.batch(id: batch.id)?.requestCounts == BatchRequestCounts(total: 2, completed: 1, failed: 0))
        #expect(try store.pendingLines(batchID: batch.id).map(\.index) == [0])
    }

    @Test func duplicateAfterTheBatchFinishedIsStillANoOp() throws {
        let store = try StoreFixture().store
        let batch = try inProgressBatch(store, lines: 1)
        try store.recordResult(batchID: batch.id, lineIndex: 0, response: responseBody(0), statusCode: 200, error: nil)
        try store.finalize(batchID: batch.id)
        #expect(try store.recordResult(batchID: batch.id, lineIndex: 0, response: responseBody(0), statusCode: 200, error: nil) == false)
    }

    @Test func whatCountsAsFailed() throws {
        let store = try StoreFixture().store
        let batch = try inProgressBatch(store, lines: 3)
        // A 4xx answer with a body, no error object: failed.
        try store.recordResult(batchID: batch.id, lineIndex: 0,
                               response: Data(#"{"error":{"message":"bad model"}}"#.utf8), statusCode: 400, error: nil)
        // A 200 with an error object: failed.
        try store.recordResult(batchID: batch.id, lineIndex: 1, response: responseBody(1), statusCode: 200,
                               error: errorObject(1))
        // A 201 with a body: completed.
        try store.recordResult(batchID: batch.id, lineIndex: 2, response: responseBody(2), statusCode: 201, error: nil)
        #expect(try store.batch(id: batch.id)?.requestCounts == BatchRequestCounts(total: 3, completed: 1, failed: 2))
    }

    @Test func badResultsAreTypedErrors() throws {
        let store = try StoreFixture().store
        let batch = try inProgressBatch(store, lines: 1)
        #expect(throws: JobStoreError.emptyResult(batchID: batch.id, lineIndex: 0)) {
            try store.recordResult(batchID: batch.id, lineIndex: 0, response: nil, statusCode: 200, error: nil)
        }
        #expect(throws: JobStoreError.invalidResultJSON(batchID: batch.id, lineIndex: 0, field: "response")) {
            try store.recordResult(batchID: batch.id, lineIndex: 0, response: Data("not json".utf8), statusCode: 200, error: nil)
        }
        #expect(throws: JobStoreError.invalidResultJSON(batchID: batch.id, lineIndex: 0, field: "error")) {
            try store.recordResult(batchID: batch.id, lineIndex: 0, response: nil, statusCode: 500, error: Data("[1]".utf8))
        }
        #expect(throws: JobStoreError.lineNotFound(batchID: batch.id, lineIndex: 7)) {
            try store.recordResult(batchID: batch.id, lineIndex: 7, response: responseBody(7), statusCode: 200, error: nil)
        }
        #expect(throws: JobStoreError.batchNotFound(id: "batch_nope")) {
            try store.recordResult(batchID: "batch_nope", lineIndex: 0, response: responseBody(0), statusCode: 200, error: nil)
        }
        #expect(try store.batch(id: batch.id)?.requestCounts == BatchRequestCounts(total: 1))
    }

    @Test func onlyRunningOrCancellingBatchesTakeResults() throws {
        let store = try StoreFixture().store
        let validating = try store.createBatch(endpoint: .chatCompletions, inputFileID: "f", lines: chatLines(count: 2))
        #expect(throws: JobStoreError.batchNotAcceptingResults(batchID: validating.id, status: .validating)) {
            try store.recordResult(batchID: validating.id, lineIndex: 0, response: responseBody(0), statusCode: 200, error: nil)
        }
        // Lines already running when a cancel arrives still count.
        try store.startBatch(id: validating.id)
        try store.cancelBatch(id: validating.id)
        #expect(try store.recordResult(batchID: validating.id, lineIndex: 0, response: responseBody(0), statusCode: 200, error: nil))
        try store.finalize(batchID: validating.id)
        #expect(throws: JobStoreError.batchNotAcceptingResults(batchID: validating.id, status: .cancelled)) {
            try store.recordResult(batchID: validating.id, lineIndex: 1, response: responseBody(1), statusCode: 200, error: nil)
        }
    }

    @Test func pendingLinesPageInIndexOrder() throws {
        let store = try StoreFixture().store
        let batch = try inProgressBatch(store, lines: 10)
        for index in [0, 1, 4, 8] {
            try store.recordResult(batchID: batch.id, lineIndex: index, response: responseBody(index), statusCode: 200, error: nil)
        }
        let first = try store.pendingLines(batchID: batch.id, limit: 3)
        #expect(first.map(\.index) == [2, 3, 5])
        let second = try store.pendingLines(batchID: batch.id, after: first.last?.index, limit: 3)
        #expect(second.map(\.index) == [6, 7, 9])
        #expect(try store.pendingLines(batchID: batch.id, after: 9).isEmpty)
        // Lines come back as they were stored.
        #expect(first[0] == chatLines(count: 10)[2])
        #expect(throws: JobStoreError.invalidLimit(0, allowed: 1...Int.max)) {
            try store.pendingLines(batchID: batch.id, limit: 0)
        }
    }

    @Test func concurrentWritersCountEachLineOnce() async throws {
        let store = try StoreFixture().store
        let batch = try inProgressBatch(store, lines: 40)
        // Four workers race over every line; each line must be stored exactly once.
        let stored = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    var mine = 0
                    for index in 0..<40 where try store.recordResult(
                        batchID: batch.id, lineIndex: index, response: responseBody(index), statusCode: 200, error: nil) {
                        mine += 1
                    }
                    return mine
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(stored == 40)
        #expect(try store.batch(id: batch.id)?.requestCounts == BatchRequestCounts(total: 40, completed: 40, failed: 0))
        #expect(try store.pendingLines(batchID: batch.id).isEmpty)
    }
}
