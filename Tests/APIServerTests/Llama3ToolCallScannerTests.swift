import Testing
@testable import APIServer

/// `ToolCallScanner` on Llama 3.x answers (`ToolCallSyntax.llama3JSON`): bare JSON calls, the
/// whole answer or nothing, split every way (`ToolCallSplits`).
@Suite struct Llama3ToolCallScannerTests {
    private typealias Call = ToolCallScanner.Call

    @Test func oneCall() {
        let text = #"{"name": "get_weather", "parameters": {"city": "Paris", "unit": "c", "note": "a; {b} \"c\""}}"#
        let (streamed, answer) = ToolCallSplits.everySplit(text, .llama3JSON)
        let calls = [Call(name: "get_weather", arguments: #"{"city":"Paris","unit":"c","note":"a; {b} \"c\""}"#)]
        #expect(answer.calls == calls)
        #expect(answer.content == nil)
        #expect(streamed.calls == calls)
        #expect(streamed.content == "")
    }

    /// Fed as a Llama tokenizer splits it: nothing until the head is read, then the name, then
    /// the arguments fragment by fragment as they come, before the answer ends.
    @Test func callStreamsItsArgumentsAsTheyCome() {
        let pieces = [#"{""#, "name", #"":"#, #" ""#, "get", "_weather", #"","#, #" ""#, "parameters", #"":"#, #" {""#,
                      "city", #"":"#, #" ""#, "Paris", #"","#, #" ""#, "unit", #"":"#, #" ""#, "c", #""}}"#]
        let events = ToolCallSplits.eventsByPiece(pieces, .llama3JSON)
        let head = pieces.firstIndex(of: #" {""#)!
        let early = events[..<head].allSatisfy { $0.isEmpty }
        #expect(early, "held back until the head is read")
        #expect(events[head] == [.callStarted(index: 0, name: "get_weather"), .arguments(index: 0, #"{""#)])
        let fragments = events[(head + 1)...].flatMap { $0 }
        #expect(fragments.count > 5)
        #expect(events.last == [], "nothing is left for the end")
        let arguments = events.flatMap { $0 }.compactMap { event -> String? in
            if case .arguments(0, let fragment) = event { return fragment } else { return nil }
        }
        #expect(arguments.joined() == #"{"city":"Paris","unit":"c"}"#)
    }

    @Test func twoCallsSeparatedBySemicolon() {
        let text = #"{"name": "get_weather", "parameters": {"city": "Paris"}}; {"name": "now", "arguments": {}}"#
        let (streamed, answer) = ToolCallSplits.everySplit(text, .llama3JSON)
        let calls = [Call(name: "get_weather", arguments: #"{"city":"Paris"}"#), Call(name: "now", arguments: "{}")]
        #expect(answer.calls == calls)
        #expect(answer.content == nil)
        #expect(streamed.calls == calls)
        #expect(streamed.content == "")
    }

    @Test func pythonTagBeforeTheCall() {
        for text in [#"<|python_tag|>{"name": "now", "parameters": {}}"#, "\n<|python_tag|> {\"name\":\"now\",\"parameters\":{}}\n"] {
            let (streamed, answer) = ToolCallSplits.everySplit(text, .llama3JSON)
            #expect(answer.calls == [Call(name: "now", arguments: "{}")], "\(text.debugDescription)")
            #expect(answer.content == nil)
            #expect(streamed.calls == answer.calls)
            #expect(streamed.content == "")
        }
    }

    /// Keys in another order, or other keys first: held back and read whole at the end.
    @Test func callInAnotherKeyOrderIsReadAtTheEnd() {
        let text = #"{"parameters": {"city": "Paris"}, "name": "get_weather"}"#
        var scanner = ToolCallScanner(syntax: .llama3JSON, toolNames: ToolCallSplits.toolNames)
        #expect(scanner.scan(text) == [])
        #expect(scanner.finish() == [.callStarted(index: 0, name: "get_weather"), .arguments(index: 0, #"{"city":"Paris"}"#)])
        #expect(scanner.madeCalls)
        let (streamed, answer) = ToolCallSplits.everySplit(text, .llama3JSON)
        #expect(answer.calls == [Call(name: "get_weather", arguments: #"{"city":"Paris"}"#)])
        #expect(streamed.calls == answer.calls)
    }

    @Test func undeclaredToolIsContent() {
        let text = #"{"name": "send_email", "parameters": {"to": "bob"}}"#
        let (streamed, answer) = ToolCallSplits.everySplit(text, .llama3JSON)
        #expect(answer.calls == nil)
        #expect(answer.content == text)
        #expect(streamed.calls.isEmpty)
        #expect(streamed.content == text)
        var scanner = ToolCallScanner(syntax: .llama3JSON, toolNames: ToolCallSplits.toolNames)
        _ = scanner.scan(text) + scanner.finish()
        #expect(!scanner.madeCalls)
    }

    /// Prose is content as it comes: it is not held back once its first letter rules out a call.
    @Test func proseIsContentAsItComes() {
        let text = "  The weather in Paris is {sunny}; see <|python_tag|>.\n"
        let (streamed, answer) = ToolCallSplits.everySplit(text, .llama3JSON)
        #expect(answer.content == text)
        #expect(answer.calls == nil)
        #expect(streamed.content == text)
        #expect(streamed.calls.isEmpty)
        let events = ToolCallSplits.eventsByPiece(["  The", " weather"], .llama3JSON)
        #expect(events == [[.content("  The")], [.content(" weather")], []])
        for text in ["<b>bold</b>", "<|python_tag|>print(1)", "<|python|>{}", "[1, 2]"] {
            let (streamed, answer) = ToolCallSplits.everySplit(text, .llama3JSON)
            #expect(answer.content == text)
            #expect(answer.calls == nil)
            #expect(streamed.content == text)
        }
    }

    @Test func malformedJSONIsContent() {
        for text in [#"{"name": "get_weather", parameters: {}}"#, #"{"name": "now", "parameters": []}"#, #"{"name": "now"}"#,
                     #"{"name": "now", "parameters": {}} {"name": "now", "parameters": {}}"#,
                     #"{"name": "now", "parameters": "{}"}"#, "{", #"{"name": "now", "parameters": {}};"#] {
            let (streamed, answer) = ToolCallSplits.everySplit(text, .llama3JSON)
            #expect(answer.calls == nil, "\(text)")
            #expect(answer.content == text, "\(text)")
            if streamed.calls.isEmpty { #expect(streamed.content == text, "\(text)") }
        }
    }

    /// A call released as it came cannot be taken back when what follows makes the answer
    /// content: the plain response has the content, the stream the call and no more.
    @Test func textAfterAReleasedCallMakesThePlainAnswerContent() {
        for text in [#"{"name": "now", "parameters": {}} That is the time."#, #"{"name": "get_weather", "parameters": {"city": "Paris",,}}"#] {
            let (streamed, answer) = ToolCallSplits.everySplit(text, .llama3JSON)
            #expect(answer.calls == nil)
            #expect(answer.content == text)
            #expect(streamed.calls.count == 1)
            #expect(streamed.content == "")
            var scanner = ToolCallScanner(syntax: .llama3JSON, toolNames: ToolCallSplits.toolNames)
            _ = scanner.scan(text) + scanner.finish()
            #expect(!scanner.madeCalls, "the finish reason is not tool_calls")
        }
    }

    @Test func cutShortIsContent() {
        let text = #"{"name": "get_weather", "parameters": {"city": "Par"#
        var scanner = ToolCallScanner(syntax: .llama3JSON, toolNames: ToolCallSplits.toolNames)
        let events = scanner.scan(text) + scanner.finish()
        #expect(events == [.callStarted(index: 0, name: "get_weather"), .arguments(index: 0, #"{"city":"Par"#)])
        #expect(!scanner.madeCalls)
        #expect(scanner.answer.content == text)
        #expect(scanner.answer.calls == nil)
    }

    @Test func emptyAnswer() {
        let (streamed, answer) = ToolCallSplits.everySplit("", .llama3JSON)
        #expect(answer.content == nil)
        #expect(answer.calls == nil)
        #expect(streamed == .init())
    }
}
