import Engine
import OpenAIAPI

/// How one endpoint writes its answer from the engine's events: a whole body when the request
/// is run to its end, or chunk by chunk when it streams. `CompletionPipeline` does the rest
/// (submit, collect, the stream's end and its usage chunk) once for both endpoints. With `n` > 1
/// each choice is written by its own copy of the format, and its chunks then get its index.
protocol CompletionFormat: Sendable {
    associatedtype Body: Encodable
    associatedtype Chunk: ChoiceChunk

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

/// A stream chunk whose choices can be given an index: a stream of several choices (`n` > 1)
/// writes each choice's chunks as if it were alone, then numbers them.
protocol ChoiceChunk: Encodable {
    /// This chunk with every choice in it (one, or none in a usage chunk) at `index`.
    func choice(_ index: Int) -> Self
}

extension ChatCompletionChunk: ChoiceChunk {
    func choice(_ index: Int) -> ChatCompletionChunk {
        var chunk = self
        for position in chunk.choices.indices { chunk.choices[position].index = index }
        return chunk
    }
}

extension Completion: ChoiceChunk {
    func choice(_ index: Int) -> Completion {
        var chunk = self
        for position in chunk.choices.indices { chunk.choices[position].index = index }
        return chunk
    }
}
