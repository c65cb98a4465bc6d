import Engine
import OpenAIAPI

/// How one endpoint writes its answer from the engine's events: a whole body when the request
/// is run to its end, or chunk by chunk when it streams. `CompletionPipeline` does the rest
/// (submit, collect, the stream's end and its usage chunk) once for both endpoints.
protocol CompletionFormat: Sendable {
    associatedtype Body: Encodable
    associatedtype Chunk: Encodable

    /// The answer of a request run to its end, from all of its events.
    func body(_ events: [TokenEvent]) -> Body

    /// The answer of a request with `n` > 1: each choice's events, in choice order.
    func body(choices: [[TokenEvent]]) -> Body

    /// What a stream sends before the first event.
    func openingChunks() -> [Chunk]

    /// The chunks for one event (none while a format holds text back). Mutating: a format may
    /// carry state from chunk to chunk.
    mutating func chunks(_ event: TokenEvent) -> [Chunk]

    /// The last chunk of a stream whose request asked for `stream_options.include_usage`.
    func usageChunk(_ usage: CompletionUsage) -> Chunk
}
