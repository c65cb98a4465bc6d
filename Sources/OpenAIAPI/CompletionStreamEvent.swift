/// One event of a streaming `POST /v1/completions`, as a client reads it from any
/// OpenAI-compatible server (this one, vLLM, llama.cpp).
///
/// Lenient where `Completion`'s `Decodable` is strict: only what a client counts is read (each
/// choice's text, the usage, an error), so a chunk that leaves out or adds other fields (ids,
/// timestamps, finish reasons this server does not know) still counts.
public struct CompletionStreamEvent: Sendable, Equatable {
    /// `data: [DONE]`: the stream's end.
    public var isDone = false
    /// Each choice's text, in order (servers stream one token per chunk).
    public var texts: [String] = []
    /// The request's token counts, in the chunk `stream_options.include_usage` asks for.
    public var usage: CompletionUsage?
    /// An error the server sent in place of a chunk, after its 200 response had begun.
    public var error: APIError?

    /// Reads one `data:` payload; nil when it is neither `[DONE]` nor a JSON object.
    public init?(payload: String) {
        if payload == "[DONE]" {
            isDone = true
            return
        }
        guard case .object(let object)? = try? JSONValue(parsing: payload) else { return nil }
        if case .object(let body)? = object["error"] {
            // An error object without a message still fails the request.
            error = APIError(reading: body, status: 200) ?? APIError(status: 200, message: "error", type: "")
        }
        if case .array(let choices)? = object["choices"] {
            texts = choices.compactMap { choice in
                guard case .object(let fields) = choice, case .string(let text)? = fields["text"] else { return nil }
                return text
            }
        }
        if case .object(let counts)? = object["usage"], let prompt = counts["prompt_tokens"]?.integerValue {
            usage = CompletionUsage(promptTokens: prompt, completionTokens: counts["completion_tokens"]?.integerValue ?? 0)
        }
    }
}
