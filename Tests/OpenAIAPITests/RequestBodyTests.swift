import Foundation
import Testing
@testable import OpenAIAPI

/// What every decode entry point says about a body before reading its fields.
@Suite("Request bodies")
struct RequestBodyTests {
    @Test("an empty or blank body")
    func emptyBody() {
        for data in [Data(), body("  \n")] {
            expectError(ChatCompletionRequest.decode(data), param: nil, code: "empty_body", messageContains: "empty")
            expectError(CompletionRequest.decode(data), param: nil, code: "empty_body")
            expectError(CreateBatchRequest.decode(data), param: nil, code: "empty_body")
        }
    }

    @Test("invalid UTF-8 is reported with where it starts")
    func invalidUTF8() {
        var bytes = Array(#"{"model": "m", "messages": [{"role": "user", "content": "caf"#.utf8)
        let offset = bytes.count
        bytes += [0xE9] + Array(#""}]}"#.utf8)  // Latin-1 é, not UTF-8
        expectError(ChatCompletionRequest.decode(Data(bytes)), param: nil, code: "invalid_utf8",
                    messageContains: "offset \(offset)")
        expectError(CompletionRequest.decode(Data([0x7B, 0xFF, 0xFE, 0x7D])), param: nil, code: "invalid_utf8",
                    messageContains: "offset 1")
    }

    @Test("text that is not JSON says so, with the parser's reason")
    func malformedJSON() {
        let error = expectError(ChatCompletionRequest.decode(body(#"{"model": "m", "messages": [}"#)), param: nil,
                                code: "invalid_json")
        #expect(error?.message.hasPrefix("We could not parse the JSON body of your request") == true)
        expectError(ChatCompletionRequest.decode(body(#"{"model": "m" "messages": []}"#)), param: nil, code: "invalid_json")
        expectError(ChatCompletionRequest.decode(body("model=m&prompt=hi")), param: nil, code: "invalid_json")
        expectError(CompletionRequest.decode(body(#"{"model": "m", "prompt": "x"} trailing"#)), param: nil, code: "invalid_json")
    }

    @Test("JSON that is not an object")
    func notAnObject() {
        expectError(ChatCompletionRequest.decode(body(#"[{"model": "m"}]"#)), param: nil, code: "invalid_json",
                    messageContains: "got an array")
        expectError(CompletionRequest.decode(body(#""hello""#)), param: nil, code: "invalid_json", messageContains: "got a string")
    }

    @Test("non-ASCII text and escapes survive")
    func unicode() throws {
        let request = try #require(expectSuccess(ChatCompletionRequest.decode(body(
            #"{"model": "m", "messages": [{"role": "user", "content": "café 日本 \u00e9 \ud83d\ude00"}]}"#))))
        #expect(request.messages[0].content.text == "café 日本 é 😀")
    }

    @Test("booleans and numbers are told apart")
    func kinds() throws {
        let fields = try JSONValue.parseRequestBody(body(#"{"a": true, "b": 1, "c": 1.5, "d": 0, "e": false, "f": "1"}"#))
        #expect(fields["a"] == .bool(true))
        #expect(fields["b"] == .integer(1))
        #expect(fields["c"] == .number(1.5))
        #expect(fields["d"] == .integer(0))
        #expect(fields["e"] == .bool(false))
        #expect(fields["f"] == .string("1"))
    }

    @Test("a large token-id prompt decodes")
    func largeTokenPrompt() throws {
        let ids = (0..<20_000).map { $0 % 49_152 }
        let json = #"{"model": "m", "prompt": ["# + ids.map(String.init).joined(separator: ",") + "]}"
        let request = try #require(expectSuccess(CompletionRequest.decode(body(json))))
        #expect(request.prompt == .tokens(ids.map { Int32($0) }))
    }
}
