import Testing
@testable import APIServer

/// `ToolCallScanner` on whole answers and on every way of splitting them (`ToolCallSplits`):
/// what a stream sends must add up to what the plain response says.
@Suite struct ToolCallScannerTests {
    private func everySplit(_ text: String, _ syntax: ToolCallSyntax, sourceLocation: SourceLocation = #_sourceLocation)
        -> (streamed: ToolCallSplits.Streamed, answer: ToolCallSplits.Answer)
    {
        ToolCallSplits.everySplit(text, syntax, sourceLocation: sourceLocation)
    }

    // MARK: - Generic

    @Test func genericCallsStreamTheirArguments() {
        let text = #"{"tool_calls":[{"name":"get_weather","arguments":{"city":"Paris","unit":"c","days":[1,2.5e1],"note":"a \"b\" {c}"}},{"name":"now","arguments":{}}]}"#
        let (streamed, answer) = everySplit(text, .generic)
        let calls: [ToolCallScanner.Call] = [
            .init(name: "get_weather", arguments: #"{"city":"Paris","unit":"c","days":[1,2.5e1],"note":"a \"b\" {c}"}"#),
            .init(name: "now", arguments: "{}"),
        ]
        #expect(streamed.calls == calls)
        #expect(streamed.content == "")
        #expect(answer.calls == calls)
        #expect(answer.content == nil)
    }

    @Test func genericContentIsUnescapedAsItComes() {
        let text = #"{"content":"He said \"hi\"\n\tcaf\u00e9 \ud83d\ude00 \\ \/ end"}"#
        let (streamed, answer) = everySplit(text, .generic)
        #expect(answer.content == "He said \"hi\"\n\tcafé 😀 \\ / end")
        #expect(answer.calls == nil)
        #expect(streamed.content == answer.content)
        #expect(streamed.calls.isEmpty)
    }

    @Test func genericAnswerCutShortIsContentAsItIs() {
        let text = #"{"tool_calls":[{"name":"f","arguments":{"a":"#
        var scanner = ToolCallScanner(syntax: .generic, toolNames: ToolCallSplits.toolNames)
        let events = scanner.scan(text) + scanner.finish()
        #expect(events == [.callStarted(index: 0, name: "f"), .arguments(index: 0, #"{"a":"#)])
        #expect(!scanner.madeCalls)
        #expect(scanner.answer.content == text)
        #expect(scanner.answer.calls == nil)
    }

    @Test func genericTextOfAnotherFormIsContent() {
        let (streamed, answer) = everySplit("Hello there", .generic)
        #expect(streamed.content == "Hello there")
        #expect(answer.content == "Hello there")
        #expect(answer.calls == nil)
    }

    // MARK: - Hermes

    @Test func hermesCallsWithTextAround() {
        let text = """
            Let me check.
            <tool_call>
            {"name": "get_weather", "arguments": {"city": "Paris", "unit": "c", "note": "x <y> \\"z\\""}}
            </tool_call>
            <tool_call>
            {"name": "now", "arguments": {}}
            </tool_call>
            Done.\n
            """
        let (streamed, answer) = everySplit(text, .hermes)
        let calls: [ToolCallScanner.Call] = [
            .init(name: "get_weather", arguments: #"{"city":"Paris","unit":"c","note":"x <y> \"z\""}"#),
            .init(name: "now", arguments: "{}"),
        ]
        #expect(streamed.calls == calls)
        #expect(answer.calls == calls)
        #expect(answer.content == "Let me check.\n\n\nDone.")
        #expect(streamed.content == answer.content)
    }

    @Test func hermesConstrainedAnswerIsCallsOnly() {
        let text = "<tool_call>\n{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Paris\"}}\n</tool_call>"
        let (streamed, answer) = everySplit(text, .hermes)
        #expect(answer.calls == [.init(name: "get_weather", arguments: #"{"city":"Paris"}"#)])
        #expect(answer.content == nil)
        #expect(streamed.content == "")
        #expect(streamed.calls == answer.calls)
    }

    @Test func hermesMalformedBlockStaysContent() {
        let text = "Before <tool_call>\nnot json\n</tool_call> after <b>bold</b> <tool"
        let (streamed, answer) = everySplit(text, .hermes)
        #expect(answer.calls == nil)
        #expect(answer.content == text)
        #expect(streamed.content == text)
        #expect(streamed.calls.isEmpty)
    }

    @Test func hermesBlockInAnotherKeyOrderIsReadWhole() {
        let text = #"<tool_call>{"arguments": {"x": [1, 2]}, "name": "f"}</tool_call>"#
        let (streamed, answer) = everySplit(text, .hermes)
        #expect(answer.calls == [.init(name: "f", arguments: #"{"x":[1,2]}"#)])
        #expect(streamed.calls == answer.calls)
        #expect(answer.content == nil)
    }

    @Test func hermesCallWithBadArgumentsIsContentInThePlainAnswer() {
        let text = "<tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": 1,,}}\n</tool_call>"
        let (streamed, answer) = everySplit(text, .hermes)
        // A stream has already sent the call when the arguments turn out not to be JSON.
        #expect(streamed.calls == [.init(name: "f", arguments: #"{"a":1,,}"#)])
        #expect(answer.calls == nil)
        #expect(answer.content == text)
    }

    @Test func hermesBlockLeftOpenAfterItsCall() {
        let text = "<tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": 1}}"
        let (streamed, answer) = everySplit(text, .hermes)
        #expect(answer.calls == [.init(name: "f", arguments: #"{"a":1}"#)])
        #expect(streamed.calls == answer.calls)
        #expect(answer.content == nil)
    }

    @Test func hermesCallCutShort() {
        let text = "Sure <tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": [1"
        var scanner = ToolCallScanner(syntax: .hermes, toolNames: ToolCallSplits.toolNames)
        let events = scanner.scan(text) + scanner.finish()
        #expect(events == [.content("Sure"), .callStarted(index: 0, name: "f"), .arguments(index: 0, #"{"a":[1"#)])
        #expect(!scanner.madeCalls)
        #expect(scanner.answer.calls == nil)
        #expect(scanner.answer.content == text)
    }

    @Test func hermesPlainText() {
        let (streamed, answer) = everySplit("  The answer is 4.\n", .hermes)
        #expect(answer.content == "The answer is 4.")
        #expect(streamed.content == "The answer is 4.")
        #expect(answer.calls == nil)
    }
}
