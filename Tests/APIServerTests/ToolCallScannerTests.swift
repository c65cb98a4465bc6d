import Testing
@testable import APIServer

/// `ToolCallScanner` on whole answers and on every way of splitting them: what a stream sends
/// must add up to what the plain response says.
@Suite struct ToolCallScannerTests {
    /// What a client accumulates from a stream's events, checked for order on the way.
    struct Streamed: Equatable {
        var content = ""
        var calls: [ToolCallScanner.Call] = []
    }

    private func stream(_ pieces: [String], _ syntax: ToolCallSyntax) -> (streamed: Streamed, scanner: ToolCallScanner) {
        var scanner = ToolCallScanner(syntax: syntax)
        var streamed = Streamed()
        var events: [ToolCallScanner.Event] = []
        for piece in pieces { events += scanner.scan(piece) }
        events += scanner.finish()
        for event in events {
            switch event {
            case .content(let text):
                #expect(!text.isEmpty)
                streamed.content += text
            case .callStarted(let index, let name):
                #expect(index == streamed.calls.count, "calls start in order")
                streamed.calls.append(.init(name: name, arguments: ""))
            case .arguments(let index, let fragment):
                #expect(index == streamed.calls.count - 1, "arguments go to the call that started last")
                if index >= 0, index < streamed.calls.count { streamed.calls[index].arguments += fragment }
            }
        }
        return (streamed, scanner)
    }

    /// The answer in one piece, in two at every split, and one Unicode scalar at a time (the
    /// finest any tokenizer splits text): the same stream and the same answer every time.
    private func everySplit(_ text: String, _ syntax: ToolCallSyntax, sourceLocation: SourceLocation = #_sourceLocation)
        -> (streamed: Streamed, answer: (content: String?, calls: [ToolCallScanner.Call]?))
    {
        let whole = stream([text], syntax)
        let scalars = Array(text.unicodeScalars)
        var splits: [[String]] = [scalars.map { String($0) }]
        for i in 1..<max(1, scalars.count) {
            splits.append([String(String.UnicodeScalarView(scalars[..<i])), String(String.UnicodeScalarView(scalars[i...]))])
        }
        for pieces in splits {
            let split = stream(pieces, syntax)
            #expect(split.streamed == whole.streamed, "split \(pieces.map(\.debugDescription))", sourceLocation: sourceLocation)
            #expect(split.scanner.answer.content == whole.scanner.answer.content, sourceLocation: sourceLocation)
            #expect(split.scanner.answer.calls == whole.scanner.answer.calls, sourceLocation: sourceLocation)
            #expect(split.scanner.madeCalls == whole.scanner.madeCalls, sourceLocation: sourceLocation)
        }
        return (whole.streamed, whole.scanner.answer)
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
        var scanner = ToolCallScanner(syntax: .generic)
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
        var scanner = ToolCallScanner(syntax: .hermes)
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
