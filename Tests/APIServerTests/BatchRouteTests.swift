import APIServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Jobs
import Testing

/// The Files and Batch APIs in process, with the batch worker running lines on the engine.
@Suite(.serialized, .timeLimit(.minutes(3))) struct BatchRouteTests {
    static func multipart(_ content: String, filename: String = "input.jsonl", purpose: String = "batch") -> (ByteBuffer, String) {
        let boundary = "conserve-test-boundary"
        let body = """
        --\(boundary)\r
        Content-Disposition: form-data; name="purpose"\r
        \r
        \(purpose)\r
        --\(boundary)\r
        Content-Disposition: form-data; name="file"; filename="\(filename)"\r
        Content-Type: application/jsonl\r
        \r
        \(content)\r
        --\(boundary)--\r

        """
        return (ByteBuffer(string: body), "multipart/form-data; boundary=\(boundary)")
    }

    static func line(_ id: String, _ question: String) -> String {
        #"{"custom_id": "\#(id)", "method": "POST", "url": "/v1/chat/completions", "body": {"model": "smollm2", "messages": [{"role": "user", "content": "\#(question)"}], "max_tokens": 5, "temperature": 0}}"#
    }

    @Test func batchRunsToCompletionWithOneOutputLinePerRequest() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("conserve-batch-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try ServerTestSupport.server(store: try SQLiteJobStore(dataDirectory: directory))
        await server.startBatchWorker()
        defer { Task { await server.stopBatchWorker() } }
        let input = (0 ..< 5).map { Self.line("q\($0)", "What is \($0) plus \($0)?") }.joined(separator: "\n")
        try await Application(router: server.router()).test(.router) { client in
            let (body, contentType) = Self.multipart(input)
            let fileID = try await client.execute(uri: "/v1/files", method: .post, headers: [.contentType: contentType], body: body) { response in
                #expect(response.status == .ok)
                let file = try ServerTestSupport.json(response.body)
                #expect(file["object"] as? String == "file")
                #expect(file["purpose"] as? String == "batch")
                #expect(file["filename"] as? String == "input.jsonl")
                return try #require(file["id"] as? String)
            }
            let create = #"{"input_file_id": "\#(fileID)", "endpoint": "/v1/chat/completions", "completion_window": "24h"}"#
            let batchID = try await client.execute(uri: "/v1/batches", method: .post, body: ByteBuffer(string: create)) { response in
                #expect(response.status == .ok)
                let batch = try ServerTestSupport.json(response.body)
                #expect(batch["status"] as? String == "in_progress")
                #expect((batch["request_counts"] as? [String: Any])?["total"] as? Int == 5)
                return try #require(batch["id"] as? String)
            }
            var batch: [String: Any] = [:]
            for _ in 0 ..< 600 {
                batch = try await client.execute(uri: "/v1/batches/\(batchID)", method: .get) { try ServerTestSupport.json($0.body) }
                if batch["status"] as? String == "completed" { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(batch["status"] as? String == "completed")
            #expect((batch["request_counts"] as? [String: Any])?["completed"] as? Int == 5)
            let outputID = try #require(batch["output_file_id"] as? String)
            try await client.execute(uri: "/v1/files/\(outputID)/content", method: .get) { response in
                let lines = String(buffer: response.body).split(separator: "\n")
                #expect(lines.count == 5)
                let ids = try lines.map { line in
                    (try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["custom_id"] as? String
                }
                #expect(ids == ["q0", "q1", "q2", "q3", "q4"])
                let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any]
                let answer = (first?["response"] as? [String: Any])?["body"] as? [String: Any]
                #expect(answer?["object"] as? String == "chat.completion")
                #expect(answer?["service_tier"] as? String == "flex")
            }
            try await client.execute(uri: "/v1/batches", method: .get) { response in
                let list = try ServerTestSupport.json(response.body)
                #expect((list["data"] as? [[String: Any]])?.first?["id"] as? String == batchID)
            }
        }
    }

    @Test func invalidLinesFailTheBatchAndUnknownIDsAre404() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("conserve-batch-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try ServerTestSupport.server(store: try SQLiteJobStore(dataDirectory: directory))
        try await Application(router: server.router()).test(.router) { client in
            let input = Self.line("a", "hi") + "\n{not json}\n" + Self.line("a", "again")
            let (body, contentType) = Self.multipart(input)
            let fileID = try await client.execute(uri: "/v1/files", method: .post, headers: [.contentType: contentType], body: body) {
                try #require(try ServerTestSupport.json($0.body)["id"] as? String)
            }
            let create = #"{"input_file_id": "\#(fileID)", "endpoint": "/v1/chat/completions", "completion_window": "24h"}"#
            try await client.execute(uri: "/v1/batches", method: .post, body: ByteBuffer(string: create)) { response in
                let batch = try ServerTestSupport.json(response.body)
                #expect(batch["status"] as? String == "failed")
                let errors = ((batch["errors"] as? [String: Any])?["data"] as? [[String: Any]]) ?? []
                #expect(Set(errors.compactMap { $0["code"] as? String }) == ["invalid_json", "duplicate_custom_id"])
                #expect(errors.compactMap { $0["line"] as? Int }.sorted() == [2, 3])
            }
            try await client.execute(uri: "/v1/batches/batch_nope", method: .get) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/v1/files/file-nope", method: .get) { #expect($0.status == .notFound) }
            let missing = #"{"input_file_id": "file-nope", "endpoint": "/v1/chat/completions", "completion_window": "24h"}"#
            try await client.execute(uri: "/v1/batches", method: .post, body: ByteBuffer(string: missing)) { #expect($0.status == .notFound) }
            let (wrong, wrongType) = Self.multipart("x", purpose: "fine-tune")
            try await client.execute(uri: "/v1/files", method: .post, headers: [.contentType: wrongType], body: wrong) {
                #expect($0.status == .badRequest)
            }
            try await client.execute(uri: "/v1/files", method: .post, body: ByteBuffer(string: "{}")) { #expect($0.status == .badRequest) }
            try await client.execute(uri: "/v1/files/\(fileID)", method: .delete) { response in
                let deleted = try ServerTestSupport.json(response.body)
                #expect(deleted["deleted"] as? Bool == true)
            }
        }
    }
}
