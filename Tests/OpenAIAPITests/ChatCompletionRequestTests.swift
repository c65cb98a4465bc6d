import Foundation
import Testing
@testable import OpenAIAPI

@Suite("ChatCompletionRequest decoding")
struct ChatCompletionRequestTests {
    @Test("a full request decodes into every field")
    func fullRequest() throws {
        let request = try #require(expectSuccess(ChatCompletionRequest.decode(body(#"""
            {"model": "smollm2",
             "messages": [{"role": "system", "content": "Be brief."},
                          {"role": "developer", "content": "Answer in French."},
                          {"role": "user", "content": "Hi", "name": "ann"},
                          {"role": "assistant", "content": "Salut", "refusal": null, "tool_calls": null},
                          {"role": "tool", "content": "42", "tool_call_id": "call_1"}],
             "max_tokens": 64, "temperature": 0.7, "top_p": 0.9, "n": 1, "stream": true,
             "stream_options": {"include_usage": true}, "stop": ["\n\n", "END"], "seed": 7,
             "presence_penalty": -0.5, "frequency_penalty": 1.5, "logprobs": true, "top_logprobs": 3,
             "user": "u-1", "service_tier": "default", "slo_ttft_ms": 250, "slo_tpot_ms": 50.5,
             "ignore_eos": true, "min_tokens": 8}
            """#))))
        #expect(request.model == "smollm2")
        #expect(request.messages.map(\.role) == [.system, .developer, .user, .assistant, .tool])
        #expect(request.messages[2].name == "ann")
        #expect(request.messages[4].toolCallID == "call_1")
        #expect(request.outputTokenLimit == 64)
        #expect(request.temperature == 0.7)
        #expect(request.topP == 0.9)
        #expect(request.isStreaming && request.includesUsageInStream)
        #expect(request.stop == ["\n\n", "END"])
        #expect(request.seed == 7)
        #expect(request.presencePenalty == -0.5 && request.frequencyPenalty == 1.5)
        #expect(request.wantsLogprobs && request.topLogprobs == 3)
        #expect(request.user == "u-1")
        #expect(request.serviceTier == .default && !request.isOffline)
        #expect(request.sloTTFTMilliseconds == 250 && request.sloTPOTMilliseconds == 50.5)
        #expect(request.ignoreEOS == true && request.minTokens == 8)
    }

    @Test("a minimal request leaves every optional field unset")
    func minimalRequest() throws {
        let request = try #require(expectSuccess(ChatCompletionRequest.decode(chatBody())))
        #expect(request == ChatCompletionRequest(model: "smollm2", messages: [.init(role: .user, "Hi")]))
        #expect(request.outputTokenLimit == nil)
        #expect(!request.isStreaming && !request.includesUsageInStream && !request.wantsLogprobs)
    }

    @Test("explicit nulls mean not set")
    func nullsAreUnset() throws {
        let request = try #require(expectSuccess(ChatCompletionRequest.decode(chatBody(
            #""temperature": null, "stop": null, "n": null, "logit_bias": null, "tools": null, "service_tier": null"#))))
        #expect(request.temperature == nil && request.stop == nil && request.n == nil && request.serviceTier == nil)
    }

    @Test("content as an array of text parts")
    func contentParts() throws {
        let request = try #require(expectSuccess(ChatCompletionRequest.decode(body(#"""
            {"model": "m", "messages": [{"role": "user", "content": [
                {"type": "text", "text": "first"}, {"type": "text", "text": "second"}]}]}
            """#))))
        #expect(request.messages[0].content == .parts(["first", "second"]))
        #expect(request.messages[0].content.text == "first\nsecond")
    }

    @Test("content parts other than text are rejected at the part's type")
    func imagePartRejected() {
        let result = ChatCompletionRequest.decode(body(#"""
            {"model": "m", "messages": [{"role": "user", "content": "a"}, {"role": "user", "content": [
                {"type": "text", "text": "look"}, {"type": "image_url", "image_url": {"url": "http://x"}}]}]}
            """#))
        expectError(result, param: "messages[1].content[1].type", code: "unsupported_value", messageContains: "'image_url'")
    }

    @Test("content of the wrong kind, empty parts, and parts with unknown keys")
    func badContent() {
        expectError(ChatCompletionRequest.decode(body(#"{"model": "m", "messages": [{"role": "user", "content": 5}]}"#)),
                    param: "messages[0].content", code: "invalid_type", messageContains: "got an integer")
        expectError(ChatCompletionRequest.decode(body(#"{"model": "m", "messages": [{"role": "user", "content": []}]}"#)),
                    param: "messages[0].content", code: "empty_array")
        expectError(ChatCompletionRequest.decode(body(#"{"model": "m", "messages": [{"role": "user"}]}"#)),
                    param: "messages[0].content", code: "missing_required_parameter")
        expectError(ChatCompletionRequest.decode(body(
            #"{"model": "m", "messages": [{"role": "user", "content": [{"type": "text", "text": "a", "cache": 1}]}]}"#)),
                    param: "messages[0].content[0].cache", code: "unknown_parameter")
        expectError(ChatCompletionRequest.decode(body(
            #"{"model": "m", "messages": [{"role": "user", "content": [{"type": "text"}]}]}"#)),
                    param: "messages[0].content[0].text", code: "missing_required_parameter")
    }

    @Test("roles: unknown, deprecated function, tool without its call id")
    func roles() {
        expectError(ChatCompletionRequest.decode(body(#"{"model": "m", "messages": [{"role": "robot", "content": "x"}]}"#)),
                    param: "messages[0].role", code: "invalid_value", messageContains: "'developer'")
        expectError(ChatCompletionRequest.decode(body(#"{"model": "m", "messages": [{"role": "function", "content": "x"}]}"#)),
                    param: "messages[0].role", code: "unsupported_value")
        expectError(ChatCompletionRequest.decode(body(#"{"model": "m", "messages": [{"role": "tool", "content": "x"}]}"#)),
                    param: "messages[0].tool_call_id", code: "missing_required_parameter")
        expectError(ChatCompletionRequest.decode(body(#"{"model": "m", "messages": [{"content": "x"}]}"#)),
                    param: "messages[0].role", code: "missing_required_parameter")
        // A user message has no tool_call_id.
        expectError(ChatCompletionRequest.decode(body(
            #"{"model": "m", "messages": [{"role": "user", "content": "x", "tool_call_id": "c"}]}"#)),
                    param: "messages[0].tool_call_id", code: "unknown_parameter")
    }

    @Test("an assistant message's tool calls are read back (content may then be null); refusals are refused")
    func assistantToolCalls() {
        let request = expectSuccess(ChatCompletionRequest.decode(body(#"""
            {"model": "m", "messages": [{"role": "assistant", "content": null,
             "tool_calls": [{"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
             {"role": "tool", "tool_call_id": "c", "content": "42"}]}
            """#)))
        #expect(request?.messages[0].toolCalls == [ToolCall(id: "c", function: .init(name: "f", arguments: "{}"))])
        expectError(ChatCompletionRequest.decode(body(#"""
            {"model": "m", "messages": [{"role": "assistant", "content": "x", "refusal": "no"}]}
            """#)), param: "messages[0].refusal", code: "unsupported_value")
        expectError(ChatCompletionRequest.decode(body(#"""
            {"model": "m", "messages": [{"role": "assistant", "content": "x", "tool_calls": [{"type": "function"}]}]}
            """#)), param: "messages[0].tool_calls[0].function", code: "missing_required_parameter")
        _ = expectSuccess(ChatCompletionRequest.decode(body(
            #"{"model": "m", "messages": [{"role": "assistant", "content": "x", "tool_calls": [], "annotations": []}]}"#)))
    }

    @Test("messages must be a non-empty array of objects")
    func messagesShape() {
        expectError(ChatCompletionRequest.decode(body(#"{"model": "m"}"#)), param: "messages", code: "missing_required_parameter")
        expectError(ChatCompletionRequest.decode(body(#"{"model": "m", "messages": []}"#)), param: "messages", code: "empty_array")
        expectError(ChatCompletionRequest.decode(body(#"{"model": "m", "messages": "hi"}"#)), param: "messages", code: "invalid_type")
        expectError(ChatCompletionRequest.decode(body(#"{"model": "m", "messages": [{"role": "user", "content": "a"}, 3]}"#)),
                    param: "messages[1]", code: "invalid_type", messageContains: "expected an object")
    }

    @Test("model is required and must be a non-empty string")
    func model() {
        expectError(ChatCompletionRequest.decode(body(#"{"messages": [{"role": "user", "content": "a"}]}"#)),
                    param: "model", code: "missing_required_parameter", messageContains: "Missing required parameter: 'model'.")
        expectError(ChatCompletionRequest.decode(body(#"{"model": null, "messages": [{"role": "user", "content": "a"}]}"#)),
                    param: "model", code: "missing_required_parameter")
        expectError(ChatCompletionRequest.decode(body(#"{"model": 3, "messages": [{"role": "user", "content": "a"}]}"#)),
                    param: "model", code: "invalid_type")
        expectError(ChatCompletionRequest.decode(body(#"{"model": "", "messages": [{"role": "user", "content": "a"}]}"#)),
                    param: "model", code: "missing_required_parameter")
    }

    @Test("wrong types name the param and both kinds")
    func wrongTypes() {
        let error = expectError(ChatCompletionRequest.decode(chatBody(#""temperature": "hot""#)), param: "temperature",
                                code: "invalid_type")
        #expect(error?.message == "Invalid type for 'temperature': expected a number, but got a string instead.")
        expectError(ChatCompletionRequest.decode(chatBody(#""max_tokens": 1.5"#)), param: "max_tokens", code: "invalid_type",
                    messageContains: "expected an integer, but got the decimal 1.5")
        expectError(ChatCompletionRequest.decode(chatBody(#""stream": 1"#)), param: "stream", code: "invalid_type",
                    messageContains: "expected a boolean, but got an integer")
        expectError(ChatCompletionRequest.decode(chatBody(#""seed": true"#)), param: "seed", code: "invalid_type",
                    messageContains: "got a boolean")
        expectError(ChatCompletionRequest.decode(chatBody(#""user": {}"#)), param: "user", code: "invalid_type")
        expectError(ChatCompletionRequest.decode(chatBody(#""logprobs": "yes""#)), param: "logprobs", code: "invalid_type")
        expectError(ChatCompletionRequest.decode(chatBody(#""stream_options": true, "stream": true"#)),
                    param: "stream_options", code: "invalid_type", messageContains: "expected an object")
    }

    @Test("an integral number is an integer, and an integer is a number")
    func numericKinds() throws {
        let request = try #require(expectSuccess(ChatCompletionRequest.decode(chatBody(#""max_tokens": 32.0, "temperature": 1"#))))
        #expect(request.maxTokens == 32)
        #expect(request.temperature == 1)
    }

    @Test("numeric ranges", arguments: [
        (#""temperature": 2.5"#, "temperature", "decimal_above_max_value"),
        (#""temperature": -0.1"#, "temperature", "decimal_below_min_value"),
        (#""top_p": 0"#, "top_p", "decimal_below_min_value"),
        (#""top_p": 1.01"#, "top_p", "decimal_above_max_value"),
        (#""presence_penalty": -2.5"#, "presence_penalty", "decimal_below_min_value"),
        (#""frequency_penalty": 2.01"#, "frequency_penalty", "decimal_above_max_value"),
        (#""max_tokens": 0"#, "max_tokens", "integer_below_min_value"),
        (#""max_completion_tokens": -1"#, "max_completion_tokens", "integer_below_min_value"),
        (#""logprobs": true, "top_logprobs": 21"#, "top_logprobs", "integer_above_max_value"),
        (#""logprobs": true, "top_logprobs": -1"#, "top_logprobs", "integer_below_min_value"),
        (#""slo_ttft_ms": 0"#, "slo_ttft_ms", "decimal_below_min_value"),
        (#""slo_tpot_ms": -5"#, "slo_tpot_ms", "decimal_below_min_value"),
        (#""min_tokens": -1"#, "min_tokens", "integer_below_min_value"),
    ])
    func ranges(field: String, param: String, code: String) {
        expectError(ChatCompletionRequest.decode(chatBody(field)), param: param, code: code)
    }

    @Test("range messages say the bound and the value")
    func rangeMessage() {
        let error = expectError(ChatCompletionRequest.decode(chatBody(#""temperature": 3"#)), param: "temperature")
        #expect(error?.message == "Invalid 'temperature': number above maximum value. Expected a value <= 2, but got 3 instead.")
        let topP = expectError(ChatCompletionRequest.decode(chatBody(#""top_p": 0"#)), param: "top_p")
        #expect(topP?.message.contains("Expected a value > 0") == true)
    }

    @Test("range edges are allowed")
    func rangeEdges() {
        _ = expectSuccess(ChatCompletionRequest.decode(chatBody(
            #""temperature": 0, "top_p": 1, "presence_penalty": -2, "frequency_penalty": 2, "logprobs": true, "top_logprobs": 20"#)))
        _ = expectSuccess(ChatCompletionRequest.decode(chatBody(#""temperature": 2, "logprobs": true, "top_logprobs": 0, "min_tokens": 0"#)))
    }

    @Test("n is 1 to 16")
    func choiceCount() {
        expectError(ChatCompletionRequest.decode(chatBody(#""n": 0"#)), param: "n")
        expectError(ChatCompletionRequest.decode(chatBody(#""n": 17"#)), param: "n")
        #expect(expectSuccess(ChatCompletionRequest.decode(chatBody(#""n": 4"#)))?.n == 4)
    }

    @Test("response_format, logit_bias and priority are read and checked")
    func structuredOutputFields() throws {
        let request = try #require(expectSuccess(ChatCompletionRequest.decode(chatBody(#"""
            "response_format": {"type": "json_schema", "json_schema": {"name": "p", "strict": true,
              "schema": {"type": "object", "properties": {"a": {"type": "integer"}}}}},
            "logit_bias": {"50256": -100, "7": 2.5}, "priority": 3
            """#))))
        guard case .jsonSchema(let format)? = request.responseFormat else { Issue.record("no schema"); return }
        #expect(format.name == "p" && format.strict == true)
        #expect(request.tokenBiases == [50256: -100, 7: 2.5])
        #expect(request.priority == 3 && request.isOffline, "a priority above 0 is offline work")
        #expect(expectSuccess(ChatCompletionRequest.decode(chatBody(#""response_format": {"type": "json_object"}"#)))?
            .responseFormat == .jsonObject)
        expectError(ChatCompletionRequest.decode(chatBody(#""response_format": {"type": "json_schema", "json_schema": {"name": "p"}}"#)),
                    param: "response_format.json_schema.schema", code: "missing_required_parameter")
        expectError(ChatCompletionRequest.decode(chatBody(#""response_format": {"type": "json_schema", "json_schema": {"name": "a b", "schema": {}}}"#)),
                    param: "response_format.json_schema.name")
        expectError(ChatCompletionRequest.decode(chatBody(#""logit_bias": {"5": -101}"#)), param: "logit_bias.5")
        expectError(ChatCompletionRequest.decode(chatBody(#""response_format": {"type": "json_object"}, "ignore_eos": true"#)),
                    param: "ignore_eos")
    }

    @Test("top_logprobs needs logprobs true")
    func topLogprobsNeedsLogprobs() {
        expectError(ChatCompletionRequest.decode(chatBody(#""top_logprobs": 2"#)), param: "top_logprobs",
                    messageContains: "'logprobs' must be set to true")
        expectError(ChatCompletionRequest.decode(chatBody(#""logprobs": false, "top_logprobs": 2"#)), param: "top_logprobs")
    }

    @Test("max_tokens and max_completion_tokens may both be sent only if they agree")
    func twoLimits() throws {
        let same = try #require(expectSuccess(ChatCompletionRequest.decode(chatBody(#""max_tokens": 9, "max_completion_tokens": 9"#))))
        #expect(same.outputTokenLimit == 9)
        let newer = try #require(expectSuccess(ChatCompletionRequest.decode(chatBody(#""max_completion_tokens": 5"#))))
        #expect(newer.outputTokenLimit == 5)
        expectError(ChatCompletionRequest.decode(chatBody(#""max_tokens": 9, "max_completion_tokens": 10"#)),
                    param: "max_completion_tokens")
    }

    @Test("min_tokens may not exceed the output limit")
    func minTokensWithinLimit() {
        expectError(ChatCompletionRequest.decode(chatBody(#""max_tokens": 4, "min_tokens": 5"#)), param: "min_tokens")
        _ = expectSuccess(ChatCompletionRequest.decode(chatBody(#""max_tokens": 5, "min_tokens": 5, "ignore_eos": false"#)))
    }

    @Test("stop: a string, an array of up to four, no empties, no other kinds")
    func stop() throws {
        let single = try #require(expectSuccess(ChatCompletionRequest.decode(chatBody(#""stop": "%%%""#))))
        #expect(single.stop == ["%%%"])
        let four = try #require(expectSuccess(ChatCompletionRequest.decode(chatBody(#""stop": ["a", "b", "c", "d"]"#))))
        #expect(four.stop == ["a", "b", "c", "d"])
        expectError(ChatCompletionRequest.decode(chatBody(#""stop": ["a", "b", "c", "d", "e"]"#)), param: "stop",
                    code: "array_above_max_length", messageContains: "maximum length 4")
        expectError(ChatCompletionRequest.decode(chatBody(#""stop": ["a", 1]"#)), param: "stop[1]", code: "invalid_type")
        expectError(ChatCompletionRequest.decode(chatBody(#""stop": 5"#)), param: "stop", code: "invalid_type",
                    messageContains: "a string or an array of strings")
        expectError(ChatCompletionRequest.decode(chatBody(#""stop": ["a", ""]"#)), param: "stop[1]", code: "invalid_value")
    }

    @Test("stream_options: include_usage, only with stream, no unknown keys")
    func streamOptions() throws {
        let request = try #require(expectSuccess(ChatCompletionRequest.decode(chatBody(
            #""stream": true, "stream_options": {"include_usage": false}"#))))
        #expect(request.isStreaming && !request.includesUsageInStream)
        expectError(ChatCompletionRequest.decode(chatBody(#""stream_options": {"include_usage": true}"#)),
                    param: "stream_options", messageContains: "only allowed when 'stream' is true")
        expectError(ChatCompletionRequest.decode(chatBody(#""stream": false, "stream_options": {"include_usage": true}"#)),
                    param: "stream_options")
        expectError(ChatCompletionRequest.decode(chatBody(#""stream": true, "stream_options": {"include_usage": 1}"#)),
                    param: "stream_options.include_usage", code: "invalid_type")
        expectError(ChatCompletionRequest.decode(chatBody(#""stream": true, "stream_options": {"usage": true}"#)),
                    param: "stream_options.usage", code: "unknown_parameter")
    }

    @Test("service_tier: flex runs offline; unknown tiers are refused")
    func serviceTier() throws {
        let flex = try #require(expectSuccess(ChatCompletionRequest.decode(chatBody(#""service_tier": "flex""#))))
        #expect(flex.serviceTier == .flex && flex.isOffline)
        let auto = try #require(expectSuccess(ChatCompletionRequest.decode(chatBody(#""service_tier": "auto""#))))
        #expect(!auto.isOffline)
        expectError(ChatCompletionRequest.decode(chatBody(#""service_tier": "priority""#)), param: "service_tier",
                    code: "invalid_value", messageContains: "'auto', 'default', and 'flex'")
        expectError(ChatCompletionRequest.decode(chatBody(#""service_tier": "flex", "slo_ttft_ms": 100"#)),
                    param: "slo_ttft_ms", messageContains: "offline")
    }

    @Test("unknown fields are rejected the way OpenAI does")
    func unknownField() {
        let error = expectError(ChatCompletionRequest.decode(chatBody(#""foo": 1"#)), param: "foo", code: "unknown_parameter")
        #expect(error?.message == "Unrecognized request argument supplied: foo")
        expectError(ChatCompletionRequest.decode(chatBody(#""max_token": 5"#)), param: "max_token")
        expectError(ChatCompletionRequest.decode(body(
            #"{"model": "m", "messages": [{"role": "user", "content": "x", "colour": "red"}]}"#)),
                    param: "messages[0].colour", code: "unknown_parameter")
    }

    @Test("OpenAI parameters this server does not implement are named as such")
    func knownButUnsupported() {
        expectError(ChatCompletionRequest.decode(chatBody(#""reasoning_effort": "low""#)), param: "reasoning_effort",
                    code: "unsupported_value")
        expectError(ChatCompletionRequest.decode(chatBody(#""audio": {"voice": "alloy", "format": "wav"}"#)), param: "audio",
                    code: "unsupported_value")
        // Null asks for nothing.
        _ = expectSuccess(ChatCompletionRequest.decode(chatBody(#""audio": null, "metadata": null"#)))
    }

    @Test("harmless fields are accepted while they ask for nothing")
    func harmlessFields() {
        _ = expectSuccess(ChatCompletionRequest.decode(chatBody(#"""
            "logit_bias": {}, "response_format": {"type": "text"}, "parallel_tool_calls": true, "tools": [],
            "tool_choice": "none", "functions": [], "function_call": "auto", "store": false, "modalities": ["text"]
            """#)))
        expectError(ChatCompletionRequest.decode(chatBody(#""logit_bias": [1]"#)), param: "logit_bias", code: "invalid_type")
        expectError(ChatCompletionRequest.decode(chatBody(#""response_format": {"type": "json_schema", "json_schema": {}}"#)),
                    param: "response_format.json_schema.name", code: "missing_required_parameter")
        expectError(ChatCompletionRequest.decode(chatBody(#""parallel_tool_calls": "yes""#)), param: "parallel_tool_calls",
                    code: "invalid_type")
        #expect(expectSuccess(ChatCompletionRequest.decode(chatBody(#""tools": [{"type": "function", "function": {"name": "f"}}]"#)))?
            .activeToolChoice == .auto)
        expectError(ChatCompletionRequest.decode(chatBody(#""tool_choice": "required""#)), param: "tool_choice",
                    code: "invalid_value")
        expectError(ChatCompletionRequest.decode(chatBody(#""tools": [{"type": "function", "function": {"name": "f"}}], "tool_choice": {"type": "function", "function": {"name": "g"}}"#)),
                    param: "tool_choice.function.name")
        expectError(ChatCompletionRequest.decode(chatBody(#""tools": [{"type": "function", "function": {"name": "f"}}], "response_format": {"type": "json_object"}"#)),
                    param: "response_format", code: "unsupported_value")
        expectError(ChatCompletionRequest.decode(chatBody(#""tools": [{"type": "function", "function": {"name": "f g"}}]"#)),
                    param: "tools[0].function.name")
        expectError(ChatCompletionRequest.decode(chatBody(#""store": true"#)), param: "store", code: "unsupported_value")
        expectError(ChatCompletionRequest.decode(chatBody(#""modalities": ["text", "audio"]"#)), param: "modalities[1]",
                    code: "unsupported_value")
    }

    @Test("encoding sends snake_case keys, only the fields that are set, and decodes back equal")
    func roundTrip() throws {
        let request = ChatCompletionRequest(
            model: "smollm2",
            messages: [.init(role: .system, "Be brief."),
                       .init(role: .user, content: .parts(["a", "b"]), name: "ann"),
                       .init(role: .tool, content: .text("42"), toolCallID: "call_1")],
            maxCompletionTokens: 32, temperature: 0.5, topP: 0.95, stream: true,
            streamOptions: StreamOptions(includeUsage: true), stop: ["END"], seed: 3, logprobs: true, topLogprobs: 2,
            serviceTier: .flex, ignoreEOS: true, minTokens: 4)
        let object = try encodedObject(request)
        #expect(Set(object.keys) == ["model", "messages", "max_completion_tokens", "temperature", "top_p", "stream",
                                     "stream_options", "stop", "seed", "logprobs", "top_logprobs", "service_tier",
                                     "ignore_eos", "min_tokens"])
        #expect((object["stream_options"] as? [String: Any])?["include_usage"] as? Bool == true)
        #expect(object["service_tier"] as? String == "flex")
        let messages = try #require(object["messages"] as? [[String: Any]])
        #expect(messages[0]["content"] as? String == "Be brief.")
        let parts = try #require(messages[1]["content"] as? [[String: String]])
        #expect(parts == [["type": "text", "text": "a"], ["type": "text", "text": "b"]])
        #expect(messages[1]["name"] as? String == "ann")
        #expect(messages[2]["tool_call_id"] as? String == "call_1")
        #expect(!messages[0].keys.contains("name"))

        let data = try JSONEncoder().encode(request)
        #expect(try #require(expectSuccess(ChatCompletionRequest.decode(data))) == request)
        #expect(try JSONDecoder().decode(ChatCompletionRequest.self, from: data) == request)
    }

    @Test("the SLO extension fields encode under their wire names")
    func sloRoundTrip() throws {
        let request = ChatCompletionRequest(model: "m", messages: [.init(role: .user, "x")],
                                            sloTTFTMilliseconds: 200, sloTPOTMilliseconds: 40)
        let object = try encodedObject(request)
        #expect(object["slo_ttft_ms"] as? Double == 200 && object["slo_tpot_ms"] as? Double == 40)
        #expect(try JSONDecoder().decode(ChatCompletionRequest.self, from: JSONEncoder().encode(request)) == request)
    }

    @Test("JSONDecoder throws the same APIError as decode(_:)")
    func decodableThrowsAPIError() {
        #expect(throws: APIError.self) {
            try JSONDecoder().decode(ChatCompletionRequest.self, from: chatBody(#""temperature": 9"#))
        }
    }

    @Test("validate() checks requests built in code")
    func validateBuiltRequest() {
        var request = ChatCompletionRequest(model: "m", messages: [])
        #expect(throws: APIError.emptyArray(param: "messages")) { try request.validate() }
        request.messages = [.init(role: .user, "x")]
        request.temperature = .nan
        #expect(throws: APIError.self) { try request.validate() }
        request.temperature = 1
        #expect(throws: Never.self) { try request.validate() }
    }
}
