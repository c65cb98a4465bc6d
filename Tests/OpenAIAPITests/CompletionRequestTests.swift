import Foundation
import Testing
@testable import OpenAIAPI

@Suite("CompletionRequest decoding")
struct CompletionRequestTests {
    @Test("a text prompt with the legacy fields")
    func fullRequest() throws {
        let request = try #require(expectSuccess(CompletionRequest.decode(completionBody(#"""
            "max_tokens": 20, "temperature": 0, "top_p": 0.5, "n": 1, "stream": true,
            "stream_options": {"include_usage": true}, "stop": "\n", "seed": 1, "presence_penalty": 0.1,
            "frequency_penalty": 0.2, "logprobs": 5, "echo": true, "user": "u", "service_tier": "flex",
            "ignore_eos": true, "min_tokens": 10, "best_of": 1, "suffix": null, "logit_bias": {}
            """#))))
        #expect(request.prompt == .text("Once upon a time"))
        #expect(request.outputTokenLimit == 20)
        #expect(request.logprobs == 5 && request.echoesPrompt)
        #expect(request.stop == ["\n"])
        #expect(request.isOffline && request.includesUsageInStream)
        #expect(request.ignoreEOS == true && request.minTokens == 10)
    }

    @Test("max_tokens defaults to 16, as OpenAI's does")
    func defaultMaxTokens() throws {
        let request = try #require(expectSuccess(CompletionRequest.decode(completionBody())))
        #expect(request.maxTokens == nil && request.outputTokenLimit == 16)
        expectError(CompletionRequest.decode(completionBody(#""min_tokens": 17"#)), param: "min_tokens")
    }

    @Test("prompt forms: string, one string in an array, token ids flat or nested")
    func promptForms() throws {
        let wrapped = try #require(expectSuccess(CompletionRequest.decode(body(#"{"model": "m", "prompt": ["hello"]}"#))))
        #expect(wrapped.prompt == .text("hello"))
        let tokens = try #require(expectSuccess(CompletionRequest.decode(body(#"{"model": "m", "prompt": [1, 9906, 2]}"#))))
        #expect(tokens.prompt == .tokens([1, 9906, 2]))
        let nested = try #require(expectSuccess(CompletionRequest.decode(body(#"{"model": "m", "prompt": [[5, 6]]}"#))))
        #expect(nested.prompt == .tokens([5, 6]))
        let empty = try #require(expectSuccess(CompletionRequest.decode(body(#"{"model": "m", "prompt": ""}"#))))
        #expect(empty.prompt == .text(""))
    }

    @Test("several prompts are refused with a pointer to the Batch API")
    func multiplePrompts() {
        expectError(CompletionRequest.decode(body(#"{"model": "m", "prompt": ["a", "b"]}"#)), param: "prompt",
                    code: "unsupported_value", messageContains: "one prompt per request")
        expectError(CompletionRequest.decode(body(#"{"model": "m", "prompt": [[1], [2]]}"#)), param: "prompt",
                    code: "unsupported_value", messageContains: "Batch API")
    }

    @Test("malformed prompts name the offending element")
    func badPrompts() {
        expectError(CompletionRequest.decode(body(#"{"model": "m"}"#)), param: "prompt", code: "missing_required_parameter")
        expectError(CompletionRequest.decode(body(#"{"model": "m", "prompt": []}"#)), param: "prompt", code: "empty_array")
        expectError(CompletionRequest.decode(body(#"{"model": "m", "prompt": [[]]}"#)), param: "prompt", code: "empty_array")
        expectError(CompletionRequest.decode(body(#"{"model": "m", "prompt": 42}"#)), param: "prompt", code: "invalid_type")
        expectError(CompletionRequest.decode(body(#"{"model": "m", "prompt": [1, "two"]}"#)), param: "prompt[1]",
                    code: "invalid_type")
        expectError(CompletionRequest.decode(body(#"{"model": "m", "prompt": [1, 2.5]}"#)), param: "prompt[1]",
                    code: "invalid_type")
        expectError(CompletionRequest.decode(body(#"{"model": "m", "prompt": [[1, "x"]]}"#)), param: "prompt[0][1]",
                    code: "invalid_type")
        expectError(CompletionRequest.decode(body(#"{"model": "m", "prompt": [3, -1]}"#)), param: "prompt[1]",
                    code: "invalid_value")
        expectError(CompletionRequest.decode(body(#"{"model": "m", "prompt": [3, 4294967296]}"#)), param: "prompt[1]",
                    code: "invalid_value")
    }

    @Test("max_tokens 0 scores the prompt, and only with echo")
    func promptScoring() throws {
        let scoring = try #require(expectSuccess(CompletionRequest.decode(completionBody(#""max_tokens": 0, "echo": true, "logprobs": 1"#))))
        #expect(scoring.outputTokenLimit == 0)
        expectError(CompletionRequest.decode(completionBody(#""max_tokens": 0"#)), param: "max_tokens",
                    messageContains: "'echo'")
        expectError(CompletionRequest.decode(completionBody(#""max_tokens": -1, "echo": true"#)), param: "max_tokens",
                    code: "integer_below_min_value")
    }

    @Test("logprobs is an integer from 0 to 5")
    func logprobs() {
        _ = expectSuccess(CompletionRequest.decode(completionBody(#""logprobs": 0"#)))
        expectError(CompletionRequest.decode(completionBody(#""logprobs": 6"#)), param: "logprobs", code: "integer_above_max_value")
        expectError(CompletionRequest.decode(completionBody(#""logprobs": true"#)), param: "logprobs", code: "invalid_type")
    }

    @Test("shared rules apply here too", arguments: [
        (#""temperature": 2.1"#, "temperature"),
        (#""top_p": 0"#, "top_p"),
        (#""n": 0"#, "n"),
        (#""n": 17"#, "n"),
        (#""stop": ["a", "b", "c", "d", "e"]"#, "stop"),
        (#""stream_options": {"include_usage": true}"#, "stream_options"),
        (#""presence_penalty": 3"#, "presence_penalty"),
        (#""service_tier": "scale""#, "service_tier"),
        (#""slo_tpot_ms": 0"#, "slo_tpot_ms"),
        (#""best_of": 2"#, "best_of"),
        (#""suffix": "end""#, "suffix"),
        (#""logit_bias": {"1": 101}"#, "logit_bias.1"),
        (#""logit_bias": {"x": 1}"#, "logit_bias.x"),
        (#""response_format": {"type": "yaml"}"#, "response_format.type"),
        (#""messages": []"#, "messages"),
        (#""echo": "no""#, "echo"),
    ])
    func sharedRules(field: String, param: String) {
        expectError(CompletionRequest.decode(completionBody(field)), param: param)
    }

    @Test("encoding a token prompt sends the ids, and decodes back equal")
    func roundTrip() throws {
        let request = CompletionRequest(model: "m", prompt: .tokens([1, 2, 3]), maxTokens: 0, logprobs: 2, echo: true,
                                        serviceTier: .flex)
        let object = try encodedObject(request)
        #expect(object["prompt"] as? [Int] == [1, 2, 3])
        #expect(Set(object.keys) == ["model", "prompt", "max_tokens", "logprobs", "echo", "service_tier"])
        let data = try JSONEncoder().encode(request)
        #expect(try #require(expectSuccess(CompletionRequest.decode(data))) == request)

        let text = CompletionRequest(model: "m", prompt: .text("hi"), stop: ["\n"], sloTTFTMilliseconds: 100)
        let textObject = try encodedObject(text)
        #expect(textObject["prompt"] as? String == "hi" && textObject["slo_ttft_ms"] as? Double == 100)
        #expect(try JSONDecoder().decode(CompletionRequest.self, from: JSONEncoder().encode(text)) == text)
    }
}
