import Foundation
import Hummingbird
import HummingbirdTesting
import OpenAIAPI
import Testing
@testable import APIServer

/// Tools through a chat template that speaks them: Qwen 2.5's (`ToolCallSyntax.hermes`).
@Suite(.serialized, .timeLimit(.minutes(10))) struct QwenToolCallTests {
    static let weather = #"""
        [{"type": "function", "function": {"name": "get_weather", "description": "Current weather in a city",
          "parameters": {"type": "object", "properties": {"city": {"type": "string", "maxLength": 20},
                                                          "unit": {"enum": ["c", "f"]}},
                         "required": ["city", "unit"], "additionalProperties": false}}}]
        """#

    @Test func templateSyntaxIsReadOffTheTemplate() throws {
        #expect(try ServerTestSupport.qwenService.get().prompts.toolSyntax == .hermes)
        #expect(try ServerTestSupport.service.get().prompts.toolSyntax == .generic, "SmolLM2's template has no tools")
    }

    /// `chat_template_tools` of the Qwen fixture: conversations with tools, assistant tool calls
    /// and tool results, as llama.cpp's `llama-server --jinja` renders them (`/apply-template`).
    @Test func rendersToolConversationsAsLlamaCpp() throws {
        let prompts = try ServerTestSupport.qwenService.get().prompts
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/qwen2.5-coder-0.5b-reference.json")
        // JSONValue keeps the keys' order, which the rendered tool schemas show.
        guard case .object(let fixture) = try JSONValue(parsing: String(decoding: try Data(contentsOf: url), as: UTF8.self)),
              case .array(let cases)? = fixture["chat_template_tools"]
        else {
            Issue.record("the fixture has no chat_template_tools")
            return
        }
        #expect(cases.count >= 3)
        for entry in cases {
            guard case .object(let entry) = entry, let request = entry["request"], case .string(let rendered)? = entry["rendered"] else {
                Issue.record("malformed case")
                continue
            }
            let body = #"{"model":"qwen","# + request.compactText.dropFirst()
            let decoded = try ChatCompletionRequest.decode(Data(body.utf8)).get()
            let plan = ToolCallPlan(decoded, syntax: prompts.toolSyntax)
            #expect(plan != nil)
            #expect(try prompts.renderedChat(decoded.messages, tools: plan) == rendered, "request: \(request.compactText)")
        }
    }

    private func post(_ client: some TestClientProtocol, _ body: String,
                      _ check: @escaping @Sendable (TestResponse) throws -> Void) async throws {
        try await client.execute(uri: "/v1/chat/completions", method: .post, headers: [.contentType: "application/json"],
                                 body: ByteBuffer(string: body)) { try check($0) }
    }

    @Test func requiredToolChoiceAnswersAValidCall() async throws {
        let body = #"{"model": "qwen", "messages": [{"role": "user", "content": "What is the weather in Paris?"}], "tools": "#
            + Self.weather + #", "tool_choice": "required", "parallel_tool_calls": false, "temperature": 0, "max_tokens": 48}"#
        try await ServerTestSupport.qwenApplication().test(.router) { client in
            try await post(client, body) { response in
                #expect(response.status == .ok)
                let completion = try ServerTestSupport.json(response.body)
                let choice = try #require((completion["choices"] as? [[String: Any]])?.first)
                #expect(choice["finish_reason"] as? String == "tool_calls")
                let message = try #require(choice["message"] as? [String: Any])
                #expect(message["content"] is NSNull)
                let calls = try #require(message["tool_calls"] as? [[String: Any]])
                #expect(calls.count == 1)
                let function = try #require(calls.first?["function"] as? [String: Any])
                #expect(function["name"] as? String == "get_weather")
                let argumentsText = try #require(function["arguments"] as? String)
                let arguments = try #require(try JSONSerialization.jsonObject(with: Data(argumentsText.utf8)) as? [String: Any])
                #expect(Set(arguments.keys) == ["city", "unit"], "\(argumentsText)")
                #expect((arguments["city"] as? String)?.isEmpty == false, "\(argumentsText)")
                #expect(["c", "f"].contains(arguments["unit"] as? String ?? ""), "\(argumentsText)")
            }
        }
    }

    /// With `auto` this model answers its call as bare JSON, without the `<tool_call>` tags its
    /// template asks for: that answer is read as the call (the lenient rule), in the plain
    /// response and in a stream.
    @Test func autoUntaggedAnswerIsACall() async throws {
        let body = #"{"model": "qwen", "messages": [{"role": "user", "content": "What is the weather in Paris?"}], "tools": "#
            + Self.weather + #", "parallel_tool_calls": false, "temperature": 0, "max_tokens": 48"#
        try await ServerTestSupport.qwenApplication().test(.router) { client in
            try await post(client, body + "}") { response in
                #expect(response.status == .ok)
                let completion = try ServerTestSupport.json(response.body)
                let choice = try #require((completion["choices"] as? [[String: Any]])?.first)
                let message = try #require(choice["message"] as? [String: Any])
                #expect(choice["finish_reason"] as? String == "tool_calls", "\(message)")
                #expect(message["content"] is NSNull)
                let function = try #require((message["tool_calls"] as? [[String: Any]])?.first?["function"] as? [String: Any])
                #expect(function["name"] as? String == "get_weather")
                let argumentsText = try #require(function["arguments"] as? String)
                let arguments = try #require(try JSONSerialization.jsonObject(with: Data(argumentsText.utf8)) as? [String: Any])
                #expect(arguments["city"] as? String == "Paris", "\(argumentsText)")
            }
            try await post(client, body + #", "stream": true}"#) { response in
                #expect(response.status == .ok)
                let events = String(buffer: response.body).split(separator: "\n\n").map { String($0) }
                let chunks = try events.dropLast().map { event in
                    try JSONSerialization.jsonObject(with: Data(event.dropFirst("data: ".count).utf8)) as? [String: Any] ?? [:]
                }
                let choices = chunks.compactMap { ($0["choices"] as? [[String: Any]])?.first }
                let deltas = choices.compactMap { $0["delta"] as? [String: Any] }
                #expect(deltas.allSatisfy { $0["content"] == nil }, "the held-back answer is not sent as content")
                let calls = deltas.compactMap { $0["tool_calls"] as? [[String: Any]] }.flatMap { $0 }
                #expect((calls.first?["function"] as? [String: Any])?["name"] as? String == "get_weather")
                let arguments = calls.dropFirst().compactMap { ($0["function"] as? [String: Any])?["arguments"] as? String }.joined()
                let parsed = try #require(try JSONSerialization.jsonObject(with: Data(arguments.utf8)) as? [String: Any], "\(arguments)")
                #expect(parsed["city"] as? String == "Paris")
                #expect(choices.compactMap { $0["finish_reason"] as? String } == ["tool_calls"])
            }
        }
    }

    /// A stream sends the call's name first, then its arguments in several fragments, in the
    /// shape the `openai` client accumulates.
    @Test func namedToolChoiceStreamsTheArgumentsInFragments() async throws {
        let body = #"{"model": "qwen", "messages": [{"role": "user", "content": "Weather in Berlin, in fahrenheit?"}], "tools": "#
            + Self.weather + #", "tool_choice": {"type": "function", "function": {"name": "get_weather"}}, "temperature": 0, "#
            + #""max_tokens": 48, "stream": true}"#
        try await ServerTestSupport.qwenApplication().test(.router) { client in
            try await post(client, body) { response in
                #expect(response.status == .ok)
                let events = String(buffer: response.body).split(separator: "\n\n").map { String($0) }
                #expect(events.last == "data: [DONE]")
                let chunks = try events.dropLast().map { event in
                    try JSONSerialization.jsonObject(with: Data(event.dropFirst("data: ".count).utf8)) as? [String: Any] ?? [:]
                }
                let choices = chunks.compactMap { ($0["choices"] as? [[String: Any]])?.first }
                let deltas = choices.compactMap { ($0["delta"] as? [String: Any])?["tool_calls"] as? [[String: Any]] }.flatMap { $0 }
                let first = try #require(deltas.first)
                #expect(first["index"] as? Int == 0)
                #expect((first["id"] as? String)?.hasPrefix("call_") == true)
                #expect(first["type"] as? String == "function")
                #expect((first["function"] as? [String: Any])?["name"] as? String == "get_weather")
                #expect((first["function"] as? [String: Any])?["arguments"] as? String == "")
                let rest = deltas.dropFirst()
                #expect(rest.count > 1, "the arguments come in several fragments")
                #expect(rest.allSatisfy { $0["index"] as? Int == 0 && $0["id"] == nil && $0["type"] == nil })
                let arguments = rest.compactMap { ($0["function"] as? [String: Any])?["arguments"] as? String }.joined()
                let parsed = try #require(try JSONSerialization.jsonObject(with: Data(arguments.utf8)) as? [String: Any], "\(arguments)")
                #expect(Set(parsed.keys) == ["city", "unit"], "\(arguments)")
                #expect(choices.compactMap { $0["finish_reason"] as? String } == ["tool_calls"])
                let messageDeltas = choices.compactMap { $0["delta"] as? [String: Any] }
                #expect(messageDeltas.first?["role"] as? String == "assistant")
                #expect(messageDeltas.allSatisfy { $0["content"] == nil }, "no content, not even an empty one")
            }
        }
    }
}
