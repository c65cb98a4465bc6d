import APIServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite(.serialized, .timeLimit(.minutes(3))) struct OpenAIRouteTests {
    let chatBody = #"{"model": "smollm2", "messages": [{"role": "user", "content": "What is 2+2?"}], "max_tokens": 8, "temperature": 0}"#

    @Test func healthAndModels() async throws {
        try await ServerTestSupport.application().test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/v1/models", method: .get) { response in
                #expect(response.status == .ok)
                let list = try ServerTestSupport.json(response.body)
                #expect(list["object"] as? String == "list")
                #expect((list["data"] as? [[String: Any]])?.first?["id"] as? String == "smollm2")
            }
        }
    }

    @Test func chatCompletion() async throws {
        try await ServerTestSupport.application().test(.router) { client in
            try await client.execute(uri: "/v1/chat/completions", method: .post, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: chatBody)) { response in
                #expect(response.status == .ok)
                let completion = try ServerTestSupport.json(response.body)
                #expect(completion["object"] as? String == "chat.completion")
                let choice = (completion["choices"] as? [[String: Any]])?.first
                let message = choice?["message"] as? [String: Any]
                #expect(message?["role"] as? String == "assistant")
                let content = message?["content"] as? String
                #expect(content?.isEmpty == false)
                let usage = completion["usage"] as? [String: Any]
                #expect((usage?["completion_tokens"] as? Int ?? 0) >= 1)
                #expect((usage?["prompt_tokens"] as? Int ?? 0) > 5)
            }
        }
    }

    @Test func streamingChatEndsWithDoneAndUsage() async throws {
        let body = #"{"model": "smollm2", "messages": [{"role": "user", "content": "Say hello."}], "max_tokens": 6, "temperature": 0, "stream": true, "stream_options": {"include_usage": true}}"#
        try await ServerTestSupport.application().test(.router) { client in
            try await client.execute(uri: "/v1/chat/completions", method: .post, body: ByteBuffer(string: body)) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/event-stream")
                let lines = String(buffer: response.body).split(separator: "\n\n").map { String($0) }
                #expect(lines.last == "data: [DONE]")
                let chunks = try lines.dropLast().map { line in
                    try JSONSerialization.jsonObject(with: Data(line.dropFirst("data: ".count).utf8)) as? [String: Any] ?? [:]
                }
                #expect(chunks.allSatisfy { $0["object"] as? String == "chat.completion.chunk" })
                let usageChunk = try #require(chunks.last)
                #expect((usageChunk["choices"] as? [Any])?.isEmpty == true)
                #expect((usageChunk["usage"] as? [String: Any])?["completion_tokens"] as? Int == 6)
                let finishes = chunks.compactMap { ($0["choices"] as? [[String: Any]])?.first?["finish_reason"] as? String }
                #expect(finishes == ["length"])
            }
        }
    }

    @Test func completionWithLogprobs() async throws {
        let body = #"{"model": "smollm2", "prompt": "The capital of France is", "max_tokens": 4, "temperature": 0, "logprobs": 2}"#
        try await ServerTestSupport.application().test(.router) { client in
            try await client.execute(uri: "/v1/completions", method: .post, body: ByteBuffer(string: body)) { response in
                #expect(response.status == .ok)
                let completion = try ServerTestSupport.json(response.body)
                #expect(completion["object"] as? String == "text_completion")
                let choice = try #require((completion["choices"] as? [[String: Any]])?.first)
                let logprobs = try #require(choice["logprobs"] as? [String: Any])
                #expect((logprobs["tokens"] as? [String])?.count == 4)
                #expect((logprobs["top_logprobs"] as? [[String: Double]])?.allSatisfy { $0.count == 2 } == true)
            }
        }
    }

    @Test func echoWithLogprobsScoresThePrompt() async throws {
        let text = "The capital of France is Paris"
        let scoring = #"{"model": "smollm2", "prompt": "The capital of France is Paris", "max_tokens": 0, "echo": true, "logprobs": 1}"#
        try await ServerTestSupport.application().test(.router) { client in
            try await client.execute(uri: "/v1/completions", method: .post, body: ByteBuffer(string: scoring)) { response in
                #expect(response.status == .ok)
                let completion = try ServerTestSupport.json(response.body)
                let choice = try #require((completion["choices"] as? [[String: Any]])?.first)
                #expect(choice["text"] as? String == text)
                #expect(choice["finish_reason"] as? String == "length")
                let promptTokens = try #require((completion["usage"] as? [String: Any])?["prompt_tokens"] as? Int)
                let logprobs = try #require(choice["logprobs"] as? [String: Any])
                let tokens = try #require(logprobs["tokens"] as? [String])
                let values = try #require(logprobs["token_logprobs"] as? [Any])
                let tops = try #require(logprobs["top_logprobs"] as? [Any])
                let offsets = try #require(logprobs["text_offset"] as? [Int])
                #expect(tokens.count == promptTokens && promptTokens > 3)
                #expect(tokens.joined() == text)
                #expect(values.count == tokens.count && tops.count == tokens.count)
                #expect(values.first is NSNull && tops.first is NSNull)
                #expect(values.dropFirst().allSatisfy { ($0 as? Double).map { $0 <= 0 } ?? false })
                #expect(tops.dropFirst().allSatisfy { ($0 as? [String: Double])?.count == 1 })
                #expect(offsets == tokens.indices.map { tokens[..<$0].joined().utf8.count })
            }

            // Streaming, with generated tokens: the prompt's entries lead the first chunk and
            // offsets run on across chunks.
            let streaming = #"{"model": "smollm2", "prompt": "The capital of France is Paris", "max_tokens": 2, "temperature": 0, "ignore_eos": true, "echo": true, "logprobs": 2, "stream": true}"#
            try await client.execute(uri: "/v1/completions", method: .post, body: ByteBuffer(string: streaming)) { response in
                #expect(response.status == .ok)
                let lines = String(buffer: response.body).split(separator: "\n\n").map { String($0) }
                #expect(lines.last == "data: [DONE]")
                let choices = try lines.dropLast().map { line in
                    let chunk = try JSONSerialization.jsonObject(with: Data(line.dropFirst("data: ".count).utf8)) as? [String: Any]
                    return try #require((chunk?["choices"] as? [[String: Any]])?.first)
                }
                try #require(choices.count == 2)
                let fullText = choices.compactMap { $0["text"] as? String }.joined()
                #expect(fullText.hasPrefix(text))
                let chunkLogprobs = choices.compactMap { $0["logprobs"] as? [String: Any] }
                let tokens = chunkLogprobs.flatMap { $0["tokens"] as? [String] ?? [] }
                let offsets = chunkLogprobs.flatMap { $0["text_offset"] as? [Int] ?? [] }
                let firstCount = (chunkLogprobs.first?["tokens"] as? [String])?.count ?? 0
                #expect(firstCount >= 7) // the prompt's tokens and the first generated one
                #expect(tokens.count == firstCount + 1)
                #expect(tokens.joined() == fullText)
                #expect(offsets == tokens.indices.map { tokens[..<$0].joined().utf8.count })
            }
        }
    }

    @Test func badInputGetsOpenAIErrors() async throws {
        try await ServerTestSupport.application(maxBodySize: 4096).test(.router) { client in
            func expectError(_ uri: String, _ body: String, status: HTTPResponse.Status, param: String? = nil,
                             code: String? = nil) async throws {
                try await client.execute(uri: uri, method: .post, body: ByteBuffer(string: body)) { response in
                    #expect(response.status == status, "\(body.prefix(60))")
                    let error = try ServerTestSupport.error(response.body)
                    #expect(error["message"] is String)
                    #expect(error["type"] is String)
                    if let param { #expect(error["param"] as? String == param) }
                    if let code { #expect(error["code"] as? String == code) }
                }
            }
            try await expectError("/v1/chat/completions", "{not json", status: .badRequest)
            try await expectError("/v1/chat/completions", #"{"model": "smollm2", "messages": "hi"}"#, status: .badRequest, param: "messages")
            try await expectError("/v1/chat/completions", #"{"model": "smollm2", "messages": [{"role": "user", "content": "x"}], "temperature": "hot"}"#,
                                  status: .badRequest, param: "temperature")
            try await expectError("/v1/chat/completions", #"{"model": "smollm2", "messages": [{"role": "user", "content": "x"}], "bogus": 1}"#,
                                  status: .badRequest, param: "bogus")
            try await expectError("/v1/chat/completions", #"{"model": "gpt-9", "messages": [{"role": "user", "content": "x"}]}"#,
                                  status: .notFound, code: "model_not_found")
            try await expectError("/v1/completions", #"{"model": "smollm2", "prompt": "x", "max_tokens": 2000}"#,
                                  status: .badRequest, code: "context_length_exceeded")
            try await expectError("/v1/completions", "{\"model\": \"smollm2\", \"prompt\": \"" + String(repeating: "a", count: 5000) + "\"}",
                                  status: .contentTooLarge)
            try await expectError("/v1/nothing", "{}", status: .notFound)
            try await client.execute(uri: "/v1/chat/completions", method: .post, body: ByteBuffer(bytes: [0x7B, 0xFF, 0xFE, 0x7D])) { response in
                #expect(response.status == .badRequest)
            }
        }
    }

    @Test func apiKeyGuardsV1Routes() async throws {
        try await ServerTestSupport.application(apiKey: "sekret").test(.router) { client in
            try await client.execute(uri: "/v1/models", method: .get) { response in
                #expect(response.status == .unauthorized)
                let error = try ServerTestSupport.error(response.body)
                #expect(error["code"] as? String == "invalid_api_key")
            }
            try await client.execute(uri: "/v1/models", method: .get, headers: [.authorization: "Bearer wrong"]) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(uri: "/v1/models", method: .get, headers: [.authorization: "Bearer sekret"]) {
                #expect($0.status == .ok)
            }
            try await client.execute(uri: "/health", method: .get) { #expect($0.status == .ok) }
        }
    }
}

@Suite(.serialized, .timeLimit(.minutes(3))) struct MetricsRouteTests {
    /// `/metrics` is Prometheus text, and its counters move as requests run.
    @Test func countersMoveAsRequestsRun() async throws {
        try await ServerTestSupport.application().test(.router) { client in
            func scrape() async throws -> [String: Double] { try await ServerTestSupport.metrics(client) }
            let before = try await scrape()
            let body = #"{"model": "smollm2", "prompt": "One, two,", "max_tokens": 3, "temperature": 0, "ignore_eos": true}"#
            try await client.execute(uri: "/v1/completions", method: .post, body: ByteBuffer(string: body)) { #expect($0.status == .ok) }
            let after = try await scrape()
            let generated = #"conserve_generated_tokens_total{class="online"}"#
            #expect(after[generated, default: 0] - before[generated, default: 0] == 3)
            #expect(after[#"conserve_requests_total{class="online"}"#, default: 0] > before[#"conserve_requests_total{class="online"}"#, default: 0])
            #expect(after[#"conserve_time_to_first_token_seconds_count{class="online"}"#, default: 0] >= 1)
            #expect(after["conserve_kv_blocks_free", default: 0] > 0)
        }
    }
}
