import Foundation
import Testing
@testable import OpenAIAPI

@Suite("Batch API types")
struct BatchTests {
    @Test("a new batch: every state timestamp null, counts zero")
    func newBatch() throws {
        let batch = Batch(id: "batch_1", endpoint: .chatCompletions, inputFileID: "file-1", status: .validating,
                          createdAt: 100, expiresAt: 86_500, metadata: ["run": "nightly"])
        let object = try encodedObject(batch)
        #expect(Set(object.keys) == [
            "id", "object", "endpoint", "errors", "input_file_id", "completion_window", "status", "output_file_id",
            "error_file_id", "created_at", "in_progress_at", "expires_at", "finalizing_at", "completed_at", "failed_at",
            "expired_at", "cancelling_at", "cancelled_at", "request_counts", "metadata",
        ])
        #expect(object["object"] as? String == "batch" && object["endpoint"] as? String == "/v1/chat/completions")
        #expect(object["completion_window"] as? String == "24h" && object["status"] as? String == "validating")
        for key in ["errors", "output_file_id", "error_file_id", "in_progress_at", "finalizing_at", "completed_at",
                    "failed_at", "expired_at", "cancelling_at", "cancelled_at"] {
            #expect(isNull(object, key), "\(key)")
        }
        #expect(object["request_counts"] as? [String: Int] == ["total": 0, "completed": 0, "failed": 0])
        #expect(object["metadata"] as? [String: String] == ["run": "nightly"])
        #expect(try JSONDecoder().decode(Batch.self, from: JSONEncoder().encode(batch)) == batch)
    }

    @Test("a failed batch lists its line errors")
    func failedBatch() throws {
        var batch = Batch(id: "batch_2", endpoint: .completions, inputFileID: "file-2", status: .failed, createdAt: 1)
        batch.failedAt = 2
        batch.errors = .init(data: [.init(code: "invalid_value", message: "bad temperature", param: "body.temperature", line: 3),
                                    .init(code: "invalid_json", message: "not JSON")])
        let object = try encodedObject(batch)
        #expect(object["status"] as? String == "failed" && object["failed_at"] as? Int == 2)
        let errors = try #require(object["errors"] as? [String: Any])
        #expect(errors["object"] as? String == "list")
        let data = try #require(errors["data"] as? [[String: Any]])
        #expect(data[0]["line"] as? Int == 3 && data[0]["param"] as? String == "body.temperature")
        #expect(Set(data[1].keys) == ["code", "message", "param", "line"])
        #expect(isNull(data[1], "line") && isNull(data[1], "param"))
        #expect(Batch.Status.failed.isTerminal && !Batch.Status.cancelling.isTerminal)
        #expect(Batch.Status.inProgress.rawValue == "in_progress")
    }

    @Test("batch list")
    func batchList() throws {
        let list = BatchList(data: [Batch(id: "batch_a", endpoint: .completions, inputFileID: "f", status: .completed,
                                          createdAt: 1)], hasMore: true)
        let object = try encodedObject(list)
        #expect(Set(object.keys) == ["object", "data", "first_id", "last_id", "has_more"])
        #expect(object["first_id"] as? String == "batch_a" && object["has_more"] as? Bool == true)
        #expect(try JSONDecoder().decode(BatchList.self, from: JSONEncoder().encode(list)) == list)
    }

    @Test("create: a valid body")
    func createValid() throws {
        let request = try #require(expectSuccess(CreateBatchRequest.decode(body(#"""
            {"input_file_id": "file-1", "endpoint": "/v1/completions", "completion_window": "24h",
             "metadata": {"owner": "eval"}}
            """#))))
        #expect(request == CreateBatchRequest(inputFileID: "file-1", endpoint: .completions, metadata: ["owner": "eval"]))
        let object = try encodedObject(request)
        #expect(Set(object.keys) == ["input_file_id", "endpoint", "completion_window", "metadata"])
        #expect(try JSONDecoder().decode(CreateBatchRequest.self, from: JSONEncoder().encode(request)) == request)
    }

    @Test("create: each rule names its param")
    func createRules() {
        func create(_ fields: String) -> Result<CreateBatchRequest, APIError> {
            CreateBatchRequest.decode(body("{" + fields + "}"))
        }
        let base = #""input_file_id": "file-1", "endpoint": "/v1/chat/completions""#
        expectError(create(#""endpoint": "/v1/chat/completions", "completion_window": "24h""#), param: "input_file_id",
                    code: "missing_required_parameter")
        expectError(create(#""input_file_id": "f", "completion_window": "24h""#), param: "endpoint",
                    code: "missing_required_parameter")
        expectError(create(base), param: "completion_window", code: "missing_required_parameter")
        expectError(create(#""input_file_id": "f", "endpoint": "/v1/embeddings", "completion_window": "24h""#),
                    param: "endpoint", code: "invalid_value", messageContains: "'/v1/chat/completions' and '/v1/completions'")
        expectError(create(base + #", "completion_window": "1h""#), param: "completion_window", code: "invalid_value")
        expectError(create(base + #", "completion_window": "24h", "priority": 1"#), param: "priority",
                    code: "unknown_parameter")
        expectError(create(base + #", "completion_window": "24h", "metadata": {"k": 1}"#), param: "metadata.k",
                    code: "invalid_type")
        expectError(create(base + #", "completion_window": "24h", "metadata": []"#), param: "metadata", code: "invalid_type")
        let seventeen = (1...17).map { "\"k\($0)\": \"v\"" }.joined(separator: ", ")
        expectError(create(base + #", "completion_window": "24h", "metadata": {"# + seventeen + "}"), param: "metadata",
                    messageContains: "at most 16")
        let longKey = String(repeating: "k", count: 65)
        expectError(create(base + #", "completion_window": "24h", "metadata": {""# + longKey + #"": "v"}"#),
                    param: "metadata.\(longKey)")
        let longValue = String(repeating: "v", count: 513)
        expectError(create(base + #", "completion_window": "24h", "metadata": {"k": ""# + longValue + #""}"#),
                    param: "metadata.k")
    }
}
