import APIServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Jobs
import OpenAIAPI
import Testing

/// `response_format`, `logit_bias` and `n` through the routes, on the real model.
@Suite(.serialized, .timeLimit(.minutes(5))) struct StructuredOutputRouteTests {
    private func post(_ client: some TestClientProtocol, _ uri: String, _ body: String,
                      _ check: @escaping @Sendable (TestResponse) throws -> Void) async throws {
        try await client.execute(uri: uri, method: .post, headers: [.contentType: "application/json"],
                                 body: ByteBuffer(string: body)) { try check($0) }
    }

    @Test func chatWithSchemaAnswersJSONThatValidates() async throws {
        let body = #"""
            {"model": "smollm2", "messages": [{"role": "user", "content": "Describe a cat as JSON."}], "temperature": 0,
             "max_tokens": 80, "response_format": {"type": "json_schema", "json_schema": {"name": "cat", "strict": true,
             "schema": {"type": "object", "properties": {"name": {"type": "string", "maxLength": 12},
               "lives": {"type": "integer"}, "color": {"enum": ["black", "white", "ginger"]}},
               "required": ["name", "lives", "color"], "additionalProperties": false}}}}
            """#
        try await ServerTestSupport.application().test(.router) { client in
            try await post(client, "/v1/chat/completions", body) { response in
                #expect(response.status == .ok)
                let completion = try ServerTestSupport.json(response.body)
                let choice = try #require((completion["choices"] as? [[String: Any]])?.first)
                #expect(choice["finish_reason"] as? String == "stop")
                let content = try #require((choice["message"] as? [String: Any])?["content"] as? String)
                let object = try #require(try JSONSerialization.jsonObject(with: Data(content.utf8)) as? [String: Any], "\(content)")
                #expect(Set(object.keys) == ["name", "lives", "color"], "\(content)")
                #expect(object["lives"] is Int)
                #expect(["black", "white", "ginger"].contains(object["color"] as? String ?? ""), "\(content)")
                #expect((object["name"] as? String)?.count ?? 99 <= 12)
            }
        }
    }

    @Test func completionWithJSONObjectAnswersAnObject() async throws {
        let body = #"{"model": "smollm2", "prompt": "A JSON object with a name:", "temperature": 0, "max_tokens": 60, "response_format": {"type": "json_object"}}"#
        try await ServerTestSupport.application().test(.router) { client in
            try await post(client, "/v1/completions", body) { response in
                #expect(response.status == .ok)
                let completion = try ServerTestSupport.json(response.body)
                let choice = try #require((completion["choices"] as? [[String: Any]])?.first)
                let text = try #require(choice["text"] as? String)
                if choice["finish_reason"] as? String == "stop" {
                    let parsed = try? JSONSerialization.jsonObject(with: Data(text.utf8))
                    #expect(parsed is [String: Any], "\(text)")
                } else {
                    #expect(text.hasPrefix("{"), "\(text)")
                }
            }
        }
    }

    @Test func unsupportedSchemaFeatureIsA400NamingIt() async throws {
        let body = #"{"model": "smollm2", "messages": [{"role": "user", "content": "x"}], "response_format": {"type": "json_schema", "json_schema": {"name": "s", "schema": {"type": "string", "pattern": "^a+$"}}}}"#
        try await ServerTestSupport.application().test(.router) { client in
            try await post(client, "/v1/chat/completions", body) { response in
                #expect(response.status == .badRequest)
                let error = try ServerTestSupport.error(response.body)
                #expect(error["param"] as? String == "response_format.json_schema.schema")
                #expect((error["message"] as? String)?.contains("'pattern'") == true, "\(error)")
            }
        }
    }

    @Test func logitBiasSteersAndIsChecked() async throws {
        let service = try ServerTestSupport.service.get()
        let hello = try #require(service.tokenizer.tokenID(for: "Ġhello"))
        let body = #"{"model": "smollm2", "prompt": "Once upon a time", "temperature": 0, "max_tokens": 4, "logit_bias": {"\#(hello)": 100}}"#
        let outside = #"{"model": "smollm2", "prompt": "x", "logit_bias": {"\#(service.tokenizer.vocabularySize)": 1}}"#
        try await ServerTestSupport.application().test(.router) { client in
            try await post(client, "/v1/completions", body) { response in
                #expect(response.status == .ok)
                let choice = (try ServerTestSupport.json(response.body)["choices"] as? [[String: Any]])?.first
                #expect(choice?["text"] as? String == " hello hello hello hello")
            }
            try await post(client, "/v1/completions", outside) { response in
                #expect(response.status == .badRequest)
                let param = try ServerTestSupport.error(response.body)["param"] as? String
                #expect(param == "logit_bias.\(service.tokenizer.vocabularySize)")
            }
        }
    }

    @Test func severalChoicesShareThePrompt() async throws {
        let body = #"{"model": "smollm2", "messages": [{"role": "user", "content": "Tell me a short story about a dragon and a knight who become friends."}], "temperature": 1, "seed": 7, "max_tokens": 6, "n": 3}"#
        try await ServerTestSupport.application().test(.router) { client in
            try await post(client, "/v1/chat/completions", body) { response in
                #expect(response.status == .ok)
                let completion = try ServerTestSupport.json(response.body)
                let choices = try #require(completion["choices"] as? [[String: Any]])
                #expect(choices.map { $0["index"] as? Int } == [0, 1, 2])
                let usage = try #require(completion["usage"] as? [String: Any])
                #expect(usage["completion_tokens"] as? Int == 18)
                let cached = (usage["prompt_tokens_details"] as? [String: Any])?["cached_tokens"] as? Int ?? 0
                #expect(cached >= 16, "the later choices found the prompt in the prefix cache: \(usage)")
            }
        }
    }

    private func post(_ client: some TestClientProtocol, _ uri: String, _ body: String) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: body))
    }

    /// A stream's chunks, its closing `data: [DONE]` checked and dropped.
    private func streamChunks(_ response: TestResponse) throws -> [[String: Any]] {
        let events = String(buffer: response.body).split(separator: "\n\n").map { String($0) }
        #expect(events.last == "data: [DONE]")
        return try events.dropLast().map { event in
            let object = try JSONSerialization.jsonObject(with: Data(event.dropFirst("data: ".count).utf8))
            return try #require(object as? [String: Any], "\(event)")
        }
    }

    /// `n` > 1 streamed, on both endpoints: each chunk carries one choice with its `index`; each
    /// choice opens with its own role chunk (chat), ends with its own finish reason, and says
    /// what the whole answer to the same request and seed says, log-probabilities included;
    /// one usage chunk counts the prompt once and every choice's tokens.
    @Test func severalChoicesStreamAsTheWholeAnswerHasThem() async throws {
        let chat = #"{"model": "smollm2", "messages": [{"role": "user", "content": "Tell me a short story about a dragon and a knight who become friends."}], "temperature": 1, "seed": 7, "max_tokens": 6, "logprobs": true, "n": 3}"#
        let text = #"{"model": "smollm2", "prompt": "Once upon a time", "temperature": 1, "seed": 11, "max_tokens": 6, "logprobs": 1, "n": 3}"#
        try await ServerTestSupport.application().test(.router) { client in
            for (uri, body) in [("/v1/chat/completions", chat), ("/v1/completions", text)] {
                let isChat = uri == "/v1/chat/completions"
                let wholeResponse = try await post(client, uri, body)
                #expect(wholeResponse.status == .ok)
                let whole = try ServerTestSupport.json(wholeResponse.body)
                let wholeChoices = try #require(whole["choices"] as? [[String: Any]])
                let wholeUsage = try #require(whole["usage"] as? [String: Any])
                let wholeTexts = wholeChoices.map { choice in
                    isChat ? (choice["message"] as? [String: Any])?["content"] as? String ?? "" : choice["text"] as? String ?? ""
                }
                let wholeTokens = wholeChoices.map { choice in
                    let logprobs = choice["logprobs"] as? [String: Any]
                    return isChat ? (logprobs?["content"] as? [[String: Any]] ?? []).compactMap { $0["token"] as? String }
                        : logprobs?["tokens"] as? [String] ?? []
                }

                let streamed = body.replacingOccurrences(of: #""n": 3"#, with: #""n": 3, "stream": true, "stream_options": {"include_usage": true}"#)
                let response = try await post(client, uri, streamed)
                #expect(response.status == .ok)
                let chunks = try streamChunks(response)
                let usageChunk = try #require(chunks.last)
                #expect((usageChunk["choices"] as? [Any])?.isEmpty == true)
                let usage = try #require(usageChunk["usage"] as? [String: Any])
                #expect(usage["prompt_tokens"] as? Int == wholeUsage["prompt_tokens"] as? Int, "the prompt counted once")
                #expect(usage["completion_tokens"] as? Int == wholeUsage["completion_tokens"] as? Int)

                var texts = ["", "", ""], tokens: [[String]] = [[], [], []], finishes: [[String]] = [[], [], []]
                var openings: [String?] = [nil, nil, nil]
                for chunk in chunks.dropLast() {
                    let choices = chunk["choices"] as? [[String: Any]] ?? []
                    try #require(choices.count == 1, "\(chunk)")
                    let index = try #require(choices[0]["index"] as? Int)
                    try #require((0..<3).contains(index))
                    #expect(finishes[index].isEmpty, "choice \(index) goes on after its finish reason")
                    let delta = choices[0]["delta"] as? [String: Any]
                    if isChat && texts[index].isEmpty && openings[index] == nil { openings[index] = delta?["role"] as? String ?? "" }
                    texts[index] += isChat ? delta?["content"] as? String ?? "" : choices[0]["text"] as? String ?? ""
                    let logprobs = choices[0]["logprobs"] as? [String: Any]
                    tokens[index] += isChat ? (logprobs?["content"] as? [[String: Any]] ?? []).compactMap { $0["token"] as? String }
                        : logprobs?["tokens"] as? [String] ?? []
                    if let reason = choices[0]["finish_reason"] as? String { finishes[index].append(reason) }
                }
                if isChat { #expect(openings == ["assistant", "assistant", "assistant"]) }
                #expect(finishes == wholeChoices.map { [$0["finish_reason"] as? String ?? "-"] }, "\(uri)")
                #expect(texts == wholeTexts, "\(uri)")
                #expect(tokens == wholeTokens, "\(uri)")
                #expect(tokens.allSatisfy { !$0.isEmpty })
                #expect(Set(texts).count > 1, "each choice samples with its own seed: \(texts)")
            }
        }
    }

    @Test func openAPIDocumentDescribesTheRoutes() async throws {
        try await ServerTestSupport.application().test(.router) { client in
            try await client.execute(uri: "/openapi.json", method: .get) { response in
                #expect(response.status == .ok)
                let document = try ServerTestSupport.json(response.body)
                #expect(document["openapi"] as? String == "3.0.3")
                let paths = try #require(document["paths"] as? [String: Any])
                for path in ["/v1/chat/completions", "/v1/completions", "/v1/models", "/v1/files", "/v1/batches", "/health"] {
                    #expect(paths[path] != nil, "\(path)")
                }
            }
        }
    }
}

/// Found by the schemathesis run: a multipart part whose header name has a byte of 128 or
/// more crashed the server inside MultipartKit. Now it is a 400, and the server lives on.
@Suite(.serialized) struct MultipartHeaderNameTests {
    @Test func nonASCIIHeaderNameIsA400() async throws {
        var body = Array("--b\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n--b\r\n".utf8)
        body += [0x53, 0xC2, 0x9B] + Array(": x\r\n\r\n{}\r\n--b--\r\n".utf8)
        let payload = body
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("conserve-multipart-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try ServerTestSupport.server(store: try SQLiteJobStore(dataDirectory: directory))
        try await Application(router: server.router()).test(.router) { client in
            try await client.execute(uri: "/v1/files", method: .post, headers: [.contentType: "multipart/form-data; boundary=b"],
                                     body: ByteBuffer(bytes: payload)) { response in
                #expect(response.status == .badRequest)
            }
            try await client.execute(uri: "/health", method: .get) { #expect($0.status == .ok) }
        }
    }
}
