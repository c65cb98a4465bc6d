import Foundation
import Testing
@testable import Jobs

@Suite struct BatchLifecycleTests {
    @Test func createdBatchIsValidatingWithItsLines() throws {
        let store = try StoreFixture().store
        let input = try store.createFile(filename: "input.jsonl", purpose: "batch", content: Data())
        let lines = chatLines(count: 3)
        let batch = try store.createBatch(
            endpoint: .chatCompletions, inputFileID: input.id, metadata: ["project": "labels"], lines: lines)

        #expect(batch.id.hasPrefix("batch_"))
        #expect(batch.status == .validating)
        #expect(batch.endpoint == .chatCompletions)
        #expect(batch.inputFileID == input.id)
        #expect(batch.completionWindow == "24h")
        #expect(batch.expiresAt == batch.createdAt + 24 * 3600)
        #expect(batch.requestCounts == BatchRequestCounts(total: 3, completed: 0, failed: 0))
        #expect(batch.metadata == ["project": "labels"])
        #expect(batch.errors == nil)
        #expect(batch.outputFileID == nil && batch.errorFileID == nil)

        #expect(try store.batch(id: batch.id) == batch)
        #expect(try store.pendingLines(batchID: batch.id) == lines)
    }

    @Test func legalPathToCompletedSetsEachTimeStamp() throws {
        let store = try StoreFixture().store
        let batch = try inProgressBatch(store, lines: 1)
        #expect(batch.status == .inProgress)
        #expect(batch.inProgressAt != nil)

        try store.recordResult(batchID: batch.id, lineIndex: 0, response: responseBody(0), statusCode: 200, error: nil)
        let done = try store.finalize(batchID: batch.id)
        #expect(done.status == .completed)
        #expect(done.finalizingAt != nil)
        #expect(done.completedAt != nil)
        #expect(done.failedAt == nil && done.cancellingAt == nil && done.cancelledAt == nil)
        #expect(try store.batch(id: batch.id) == done)
    }

    @Test func validationFailureKeepsTheErrors() throws {
        let store = try StoreFixture().store
        let batch = try store.createBatch(endpoint: .completions, inputFileID: "file-x", lines: [])
        let errors = [
            BatchInputError(code: .invalidJSON, message: "Line 2 is not a JSON object", line: 2),
            BatchInputError(code: .missingBody, message: "Line 3 has no body", param: "body", line: 3),
        ]
        let failed = try store.failBatch(id: batch.id, errors: errors)
        #expect(failed.status == .failed)
        #expect(failed.failedAt != nil)
        #expect(failed.errors == errors)
        #expect(try store.batch(id: batch.id)?.errors == errors)
        #expect(try store.activeBatches().isEmpty)
    }

    @Test func cancelThenFinalizeEndsCancelled() throws {
        let store = try StoreFixture().store
        let batch = try inProgressBatch(store, lines: 2)
        let cancelling = try store.cancelBatch(id: batch.id)
        #expect(cancelling.status == .cancelling)
        #expect(cancelling.cancellingAt != nil)
        let cancelled = try store.finalize(batchID: batch.id)
        #expect(cancelled.status == .cancelled)
        #expect(cancelled.cancelledAt != nil)
    }

    @Test func statusTableMatchesTheDocumentedLifeCycle() {
        #expect(BatchStatus.validating.allowedNextStatuses == [.inProgress, .failed, .cancelling, .expired])
        #expect(BatchStatus.inProgress.allowedNextStatuses == [.finalizing, .cancelling, .expired])
        #expect(BatchStatus.finalizing.allowedNextStatuses == [.completed])
        #expect(BatchStatus.cancelling.allowedNextStatuses == [.cancelled])
        for final in [BatchStatus.failed, .completed, .expired, .cancelled] {
            #expect(final.allowedNextStatuses.isEmpty)
            #expect(!final.isActive)
        }
        #expect(BatchStatus.inProgress.rawValue == "in_progress")
    }

    @Test func illegalTransitionsAreRejectedAndChangeNothing() throws {
        let store = try StoreFixture().store
        let batch = try store.createBatch(endpoint: .chatCompletions, inputFileID: "file-x", lines: chatLines(count: 1))

        // validating → completed (via finalize) skips running the batch.
        #expect(throws: JobStoreError.illegalTransition(batchID: batch.id, from: .validating, to: .finalizing)) {
            try store.finalize(batchID: batch.id)
        }
        try store.startBatch(id: batch.id)
        // in_progress → in_progress, in_progress → failed.
        #expect(throws: JobStoreError.illegalTransition(batchID: batch.id, from: .inProgress, to: .inProgress)) {
            try store.startBatch(id: batch.id)
        }
        #expect(throws: JobStoreError.illegalTransition(batchID: batch.id, from: .inProgress, to: .failed)) {
            try store.failBatch(id: batch.id, errors: [])
        }
        try store.cancelBatch(id: batch.id)
        // cancelling → cancelling, cancelling → in_progress.
        #expect(throws: JobStoreError.illegalTransition(batchID: batch.id, from: .cancelling, to: .cancelling)) {
            try store.cancelBatch(id: batch.id)
        }
        #expect(throws: JobStoreError.illegalTransition(batchID: batch.id, from: .cancelling, to: .inProgress)) {
            try store.startBatch(id: batch.id)
        }
        #expect(try store.batch(id: batch.id)?.status == .cancelling)

        try store.finalize(batchID: batch.id)
        // Nothing leaves a final status.
        let attempts: [() throws -> StoredBatch] = [
            { try store.startBatch(id: batch.id) }, { try store.cancelBatch(id: batch.id) },
            { try store.expireBatch(id: batch.id) },
        ]
        for attempt in attempts {
            #expect {
                try attempt()
            } throws: { error in
                guard case .illegalTransition(_, .cancelled, _) = error as? JobStoreError else { return false }
                return true
            }
        }
        #expect(try store.batch(id: batch.id)?.status == .cancelled)
    }

    @Test func everyPairOfStatusesIsCheckedByTheOneTransitionFunction() throws {
        let batch = StoredBatch(
            id: "batch_test", endpoint: .completions, inputFileID: "file-x", completionWindow: "24h",
            status: .validating, createdAt: 0, expiresAt: 86_400, requestCounts: BatchRequestCounts(total: 0),
            metadata: nil)
        for from in BatchStatus.allCases {
            var current = batch
            current.status = from
            for to in BatchStatus.allCases {
                if from.canTransition(to: to) {
                    #expect(try current.transitioned(to: to, at: 5).status == to)
                } else {
                    #expect(throws: JobStoreError.illegalTransition(batchID: "batch_test", from: from, to: to)) {
                        try current.transitioned(to: to, at: 5)
                    }
                }
            }
        }
    }

    @Test func illegalTransitionMessageNamesTheWayOut() {
        let message = JobStoreError.illegalTransition(batchID: "batch_1", from: .inProgress, to: .failed).description
        #expect(message.contains("in_progress"))
        #expect(message.contains("cancelling, expired, finalizing"))
        let final = JobStoreError.illegalTransition(batchID: "batch_1", from: .completed, to: .cancelling).description
        #expect(final.contains("final"))
    }

    @Test func unknownBatchIsATypedError() throws {
        let store = try StoreFixture().store
        #expect(try store.batch(id: "batch_nope") == nil)
        #expect(throws: JobStoreError.batchNotFound(id: "batch_nope")) { try store.startBatch(id: "batch_nope") }
        #expect(throws: JobStoreError.batchNotFound(id: "batch_nope")) { try store.finalize(batchID: "batch_nope") }
    }

    @Test func createBatchRejectsBadInput() throws {
        let store = try StoreFixture().store
        #expect(throws: JobStoreError.unsupportedCompletionWindow("1w")) {
            try store.createBatch(endpoint: .completions, inputFileID: "f", completionWindow: "1w", lines: [])
        }
        var lines = chatLines(count: 2)
        lines[1].customID = lines[0].customID
        #expect(throws: JobStoreError.duplicateCustomID("request-0")) {
            try store.createBatch(endpoint: .chatCompletions, inputFileID: "f", lines: lines)
        }
        lines = chatLines(count: 2)
        lines[1].index = 0
        #expect(throws: JobStoreError.duplicateLineIndex(0)) {
            try store.createBatch(endpoint: .chatCompletions, inputFileID: "f", lines: lines)
        }
        #expect(try store.batches().isEmpty)
    }

    @Test func activeBatchesAreTheOnesAWorkerResumes() throws {
        let store = try StoreFixture().store
        let validating = try store.createBatch(endpoint: .completions, inputFileID: "f", lines: chatLines(count: 1))
        let running = try inProgressBatch(store, lines: 1)
        let cancelling = try inProgressBatch(store, lines: 1)
        try store.cancelBatch(id: cancelling.id)
        let failed = try store.createBatch(endpoint: .completions, inputFileID: "f", lines: [])
        try store.failBatch(id: failed.id, errors: [])
        let completed = try inProgressBatch(store, lines: 1)
        try store.recordResult(batchID: completed.id, lineIndex: 0, response: responseBody(0), statusCode: 200, error: nil)
        try store.finalize(batchID: completed.id)

        #expect(try store.activeBatches().map(\.id) == [validating.id, running.id, cancelling.id])
    }

    @Test func batchesListNewestFirstWithCursor() throws {
        let store = try StoreFixture().store
        let created = try (0..<5).map { _ in
            try store.createBatch(endpoint: .completions, inputFileID: "f", lines: [])
        }
        let newestFirst = created.reversed().map(\.id)
        #expect(try store.batches().map(\.id) == newestFirst)
        let page1 = try store.batches(limit: 2).map(\.id)
        let page2 = try store.batches(limit: 2, after: page1.last).map(\.id)
        let page3 = try store.batches(limit: 2, after: page2.last).map(\.id)
        #expect(page1 + page2 + page3 == newestFirst)
        #expect(throws: JobStoreError.invalidLimit(101, allowed: 1...100)) { try store.batches(limit: 101) }
        #expect(throws: JobStoreError.invalidCursor("batch_gone")) { try store.batches(after: "batch_gone") }
    }

    @Test func expiredBatchGetsFilesForWhatFinished() throws {
        let store = try StoreFixture().store
        let batch = try inProgressBatch(store, lines: 3)
        try store.recordResult(batchID: batch.id, lineIndex: 1, response: responseBody(1), statusCode: 200, error: nil)
        let expired = try store.expireBatch(id: batch.id)
        #expect(expired.status == .expired)
        #expect(expired.expiredAt != nil)
        #expect(!expired.hasOutputFiles)

        let finalized = try store.finalize(batchID: batch.id)
        #expect(finalized.status == .expired)
        let output = try storedLines(store, finalized.outputFileID)
        #expect(output.map { $0["custom_id"] as? String } == ["request-1"])
        #expect(try store.finalize(batchID: batch.id) == finalized)
    }
}
