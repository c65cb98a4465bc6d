import Testing
@testable import OpenAIAPI

/// Reading other servers' completion streams: only what a client counts, leniently.
@Suite("Completion stream events")
struct CompletionStreamEventTests {
    @Test("a chunk without ids or timestamps still gives its text; usage and [DONE] are read")
    func chunks() throws {
        let chunk = try #require(CompletionStreamEvent(payload: #"{"choices":[{"index":0,"text":"Hel","finish_reason":"eos"}]}"#))
        #expect(chunk.texts == ["Hel"] && chunk.usage == nil && chunk.error == nil && !chunk.isDone)
        let usage = try #require(CompletionStreamEvent(payload: #"{"choices":[],"usage":{"prompt_tokens":7,"completion_tokens":2,"total_tokens":9}}"#))
        #expect(usage.texts.isEmpty && usage.usage == CompletionUsage(promptTokens: 7, completionTokens: 2))
        #expect(CompletionStreamEvent(payload: "[DONE]")?.isDone == true)
        #expect(CompletionStreamEvent(payload: "not json") == nil && CompletionStreamEvent(payload: "[1]") == nil)
    }

    @Test("an error event is read as APIError, with or without a message")
    func errors() throws {
        let error = try #require(CompletionStreamEvent(payload: #"{"error":{"message":"boom","type":"server_error","code":500}}"#)?.error)
        #expect(error.message == "boom" && error.type == "server_error" && error.code == "500")
        #expect(CompletionStreamEvent(payload: #"{"error":{}}"#)?.error?.message == "error")
    }
}
