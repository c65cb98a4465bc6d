import Foundation
import Testing
@testable import Jobs

@Suite struct BatchFinalizeTests {
    @Test func outputAndErrorFilesListLinesInInputOrderInOpenAIShape() throws {
        let store = try StoreFixture().store
        let batch = try inProgressBatch(store, lines: 6)
        // Results arrive out of order; lines 1 and 4 fail.
        for index in [5, 2, 0, 3] {
            try store.recordResult(batchID: batch.id, lineIndex: index, response: responseBody(index), statusCode: 200, error: nil)
        }
        try store.recordResult(batchID: batch.id, lineIndex: 4, response: nil, statusCode: 500, error: errorObject(4))
        try store.recordResult(batchID: batch.id, lineIndex: 1, response: nil, statusCode: 500, error: errorObject(1))

        let done = try store.finalize(batchID: batch.id)
        #expect(done.status == .completed)
        #expect(done.requestCounts == BatchRequestCounts(total: 6, completed: 4, failed: 2))

        let outputFile = try storedFile(store, done.outputFileID)
        #expect(outputFile.purpose == "batch_output")
        #expect(outputFile.filename == "\(batch.id)_output.jsonl")
        let outputData = try #require(try store.fileContent(id: outputFile.id))
        #expect(outputFile.bytes == outputData.count)
        let output = try jsonLines(outputData)
        #expect(output.map { $0["custom_id"] as? String } == ["request-0", "request-2", "request-3", "request-5"])
        for (line, index) in zip(output, [0, 2, 3, 5]) {
            #expect((line["id"] as? String)?.hasPrefix("batch_req_") == true)
            #expect(line["error"] is NSNull)
            let response = try #require(line["response"] as? [String: Any])
            #expect((response["status_code"] as? NSNumber)?.intValue == 200)
            #expect((response["request_id"] as? String)?.hasPrefix("req_") == true)
            let body = try #require(response["body"] as? [String: Any])
            #expect(body["id"] as? String == "chatcmpl-\(index)")
        }
        #expect(Set(output.compactMap { $0["id"] as? String }).count == 4)

        let errorFile = try storedFile(store, done.errorFileID)
        #expect(errorFile.filename == "\(batch.id)_error.jsonl")
        let errors = try jsonLines(try #require(try store.fileContent(id: errorFile.id)))
        #expect(errors.map { $0["custom_id"] as? String } == ["request-1", "request-4"])
        for (line, index) in zip(errors, [1, 4]) {
            #expect(line["response"] is NSNull)
            let error = try #require(line["error"] as? [String: Any])
            #expect(error["code"] as? String == "server_error")
            #expect(error["message"] as? String == "line \(index) failed")
        }
    }

    @Test func noErrorFileWhenNothingFailed() throws {
        let store = try StoreFixture().store
        let batch = try inProgressBatch(store, lines: 2)
        for index in 0..<2 {
            try store.recordResult(batchID: batch.id, lineIndex: index, response: responseBody(index), statusCode: 200, error: nil)
        }
        let done = try store.finalize(batchID: batch.id)
        #expect(done.outputFileID != nil)
        #expect(done.errorFileID == nil)
    }

    @Test func failedHTTPResponseGoesToTheErrorFileWithItsStatus() throws {
        let store = try StoreFixture().store
        let batch = try inProgressBatch(store, lines: 1)
        try store.recordResult(batchID: batch.id, lineIndex: 0,
                               response: Data(#"{"error":{"message":"unknown model"}}"#.utf8), statusCode: 404, error: nil)
        let done = try store.finalize(batchID: batch.id)
        #expect(try storedLines(store, done.outputFileID).isEmpty)
        let line = try #require(try storedLines(store, done.errorFileID).first)
        let response = try #require(line["response"] as? [String: Any])
        #expect((response["status_code"] as? NSNumber)?.intValue == 404)
        #expect(line["error"] is NSNull)
    }

    @Test func finalizingTwiceChangesNothing() throws {
        let store = try StoreFixture().store
        let batch = try inProgressBatch(store, lines: 3)
        for index in 0..<3 {
            try store.recordResult(batchID: batch.id, lineIndex: index, response: responseBody(index), statusCode: 200, error: nil)
        }
        let first = try store.finalize(batchID: batch.id)
        let second = try store.finalize(batchID: batch.id)
        #expect(first == second)
        #expect(try store.files(purpose: "batch_output").count == 1)
    }

    @Test func outputBytesAreDeterministicPerBatchAndLine() {
        func build() -> Data {
            var writer = BatchOutputWriter(batchID: "batch_fixed")
            for index in 0..<3 {
                writer.append(lineIndex: index, customID: "c\(index)", statusCode: 200, succeeded: true,
                              response: responseBody(index), error: nil)
            }
            return writer.output
        }
        #expect(build() == build())
        #expect(JobIdentifiers.requestID(batchID: "batch_fixed", lineIndex: 1)
                != JobIdentifiers.requestID(batchID: "batch_fixed", lineIndex: 2))
        #expect(JobIdentifiers.batchRequestID(batchID: "batch_a", lineIndex: 0)
                != JobIdentifiers.batchRequestID(batchID: "batch_b", lineIndex: 0))
        #expect(JobIdentifiers.requestID(batchID: "batch_a", lineIndex: 0).count == "req_".count + 32)
    }

    @Test func awkwardCustomIDsAndMultiLineBodiesStayOneValidLineEach() throws {
        let store = try StoreFixture().store
        let input = try store.createFile(filename: "in.jsonl", purpose: "batch", content: Data())
        let customIDs = ["quote \" and \\ backslash", "tab\tnew\nline", "ünïcødé ✓", "\u{01}control"]
        let lines = customIDs.enumerated().map { index, customID in
            BatchLine(index: index, customID: customID, method: "POST", url: "/v1/completions", body: Data("{}".utf8))
        }
        let batch = try store.createBatch(endpoint: .completions, inputFileID: input.id, lines: lines)
        try store.startBatch(id: batch.id)
        let prettyBody = Data("{\r\n  \"text\": \"a\\nb\",\n  \"n\": [1,\n 2]\n}".utf8)
        for index in customIDs.indices {
            try store.recordResult(batchID: batch.id, lineIndex: index, response: prettyBody, statusCode: 200, error: nil)
        }
        let done = try store.finalize(batchID: batch.id)
        let output = try storedLines(store, done.outputFileID)
        #expect(output.count == customIDs.count)
        #expect(output.map { $0["custom_id"] as? String } == customIDs)
        let body = try #require((output[0]["response"] as? [String: Any])?["body"] as? [String: Any])
        #expect(body["text"] as? String == "a\nb")
    }

    @Test func completingWithLinesLeftIsRefused() throws {
        let store = try StoreFixture().store
        let batch = try inProgressBatch(store, lines: 3)
        try store.recordResult(batchID: batch.id, lineIndex: 0, response: responseBody(0), statusCode: 200, error: nil)
        #expect(throws: JobStoreError.pendingLinesRemain(batchID: batch.id, count: 2)) {
            try store.finalize(batchID: batch.id)
        }
        #expect(try store.batch(id: batch.id)?.status == .inProgress)
        #expect(try store.files(purpose: "batch_output").isEmpty)
    }

    @Test func cancelledBatchGetsFilesForLinesThatFinished() throws {
        let store = try StoreFixture().store
        let batch = try inProgressBatch(store, lines: 5)
        try store.recordResult(batchID: batch.id, lineIndex: 3, response: responseBody(3), statusCode: 200, error: nil)
        try store.recordResult(batchID: batch.id, lineIndex: 1, response: responseBody(1), statusCode: 200, error: nil)
        try store.cancelBatch(id: batch.id)
        // A line that was running when the cancel came finishes and counts.
        try store.recordResult(batchID: batch.id, lineIndex: 0, response: nil, statusCode: 500, error: errorObject(0))

        let cancelled = try store.finalize(batchID: batch.id)
        #expect(cancelled.status == .cancelled)
        #expect(cancelled.requestCounts == BatchRequestCounts(total: 5, completed: 2, failed: 1))
        let output = try storedLines(store, cancelled.outputFileID)
        #expect(output.map { $0["custom_id"] as? String } == ["request-1", "request-3"])
        let errors = try storedLines(store, cancelled.errorFileID)
        #expect(errors.map { $0["custom_id"] as? String } == ["request-0"])
    }

    @Test func cancelledBeforeAnyLineFinishedGetsAnEmptyOutputFile() throws {
        let store = try StoreFixture().store
        let batch = try inProgressBatch(store, lines: 2)
        try store.cancelBatch(id: batch.id)
        let cancelled = try store.finalize(batchID: batch.id)
        #expect(try storedFile(store, cancelled.outputFileID).bytes == 0)
        #expect(cancelled.errorFileID == nil)
    }
}
