import Foundation
import OpenAIAPI
import Testing
@testable import APIServer

/// A Hermes answer that is one untagged call, `{"name": …, "arguments": {…}}` without the
/// `<tool_call>` tags (as Qwen2.5-Coder-0.5B answers with `tool_choice: "auto"`), is that call;
/// JSON that is not a call of a declared tool stays content.
@Suite struct HermesUntaggedCallTests {
    private typealias Call = ToolCallScanner.Call

    @Test func wholeAnswerCallIsACall() {
        for text in [#"{"name": "get_weather", "arguments": {"city": "Paris", "unit": "c"}}"#,
                     "\n {\"name\":\"get_weather\",\"parameters\":{\"city\":\"Paris\",\"unit\":\"c\"}} \n",
                     #"{"arguments": {"city": "Paris", "unit": "c"}, "name": "get_weather"}"#] {
            let (streamed, answer) = ToolCallSplits.everySplit(text, .hermes)
            let calls = [Call(name: "get_weather", arguments: #"{"city":"Paris","unit":"c"}"#)]
            #expect(answer.calls == calls, "\(text.debugDescription)")
            #expect(answer.content == nil)
            #expect(streamed.calls == calls)
            #expect(streamed.content == "")
            var scanner = ToolCallScanner(syntax: .hermes, toolNames: ToolCallSplits.toolNames)
            #expect(scanner.scan(text) == [], "held back until the answer ends")
            #expect(scanner.finish() == [.callStarted(index: 0, name: "get_weather"), .arguments(index: 0, calls[0].arguments)])
            #expect(scanner.madeCalls)
        }
    }

    /// JSON that is not a call stays content, sent as soon as the object closes.
    @Test func objectThatIsNotACallIsContent() {
        for text in [#"{"city": "Paris"}"#, #"{"name": "send_email", "arguments": {}}"#, #"{"name": "now", "arguments": [1]}"#] {
            let (streamed, answer) = ToolCallSplits.everySplit(text, .hermes)
            #expect(answer.calls == nil, "\(text)")
            #expect(answer.content == text)
            #expect(streamed.content == text)
            #expect(streamed.calls.isEmpty)
            var scanner = ToolCallScanner(syntax: .hermes, toolNames: ToolCallSplits.toolNames)
            #expect(scanner.scan(text) == [.content(text)], "decided when the object closes")
        }
    }

    @Test func callWithTextAfterItIsContent() {
        for text in [#"{"name": "now", "arguments": {}} Hope that helps."#, #"{"name": "now", "arguments": {}}{"name": "now", "arguments": {}}"#,
                     #"{"name": "now", "arguments": {}"#, #"{"name": "now", "arguments": {}}}"#] {
            let (streamed, answer) = ToolCallSplits.everySplit(text, .hermes)
            #expect(answer.calls == nil, "\(text)")
            #expect(answer.content == text)
            #expect(streamed.content == text)
            #expect(streamed.calls.isEmpty)
        }
    }

    /// Once the answer cannot be an untagged call, what was held back is read as any answer is:
    /// a tagged block after it is still a call.
    @Test func heldTextIsReadAsUsualOnceDecided() {
        let text = "{\"a\": 1}\n<tool_call>\n{\"name\": \"now\", \"arguments\": {}}\n</tool_call>"
        let (streamed, answer) = ToolCallSplits.everySplit(text, .hermes)
        #expect(answer.calls == [Call(name: "now", arguments: "{}")])
        #expect(answer.content == #"{"a": 1}"#)
        #expect(streamed.calls == answer.calls)
        #expect(streamed.content == answer.content)
    }

    /// Text that does not begin with `{` streams as before.
    @Test func otherAnswersAreNotHeldBack() {
        let events = ToolCallSplits.eventsByPiece(["Use", " {\"name\": \"now\"}", " maybe"], .hermes)
        #expect(events == [[.content("Use")], [.content(#" {"name": "now"}"#)], [.content(" maybe")], []])
    }

    /// Through the plan, as the plain response and a stream read it.
    @Test func planReadsTheUntaggedCall() throws {
        let body = #"{"model": "qwen", "messages": [{"role": "user", "content": "Weather in Paris?"}], "tools": "#
            + #"[{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]}"#
        let plan = try #require(ToolCallPlan(try ChatCompletionRequest.decode(Data(body.utf8)).get(), syntax: .hermes))
        let message = plan.message(from: #"{"name": "get_weather", "arguments": {"city": "Paris"}}"#)
        #expect(message.content == nil)
        #expect(message.toolCalls?.map(\.function.name) == ["get_weather"])
        #expect(message.toolCalls?.map(\.function.arguments) == [#"{"city":"Paris"}"#])
        let other = plan.message(from: #"{"name": "now", "arguments": {}}"#)
        #expect(other.content == #"{"name": "now", "arguments": {}}"#, "now is not one of this request's tools")
        #expect(other.toolCalls == nil)
    }
}
