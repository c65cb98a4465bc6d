import Engine
import OpenAIAPI

/// A completion request decoded, checked and encoded: the engine request, and how its answer
/// is written.
struct PreparedCompletion: Sendable {
    var generation: GenerationRequest
    /// Whether the answer goes out as server-sent events: an HTTP request with `stream: true`
    /// (a batch line's answer is always a whole body).
    var streams: Bool
    /// Whether the stream ends with a usage chunk (`stream_options.include_usage`).
    var includesUsage: Bool
    var format: any CompletionFormat
    /// How many choices to generate (`n`).
    var choices: Int

    init(generation: GenerationRequest, request: some TextGenerationRequest, origin: CompletionOrigin,
         format: any CompletionFormat) {
        self.generation = generation
        streams = origin == .http && request.isStreaming
        includesUsage = streams && request.includesUsageInStream
        self.format = format
        choices = request.n ?? 1
    }

    /// The engine request of each choice, in order: with `n` > 1 each has its own id, and with
    /// a seed choice i samples with seed + i, so the choices differ and the answer still
    /// repeats, streamed or not.
    var choiceRequests: [GenerationRequest] {
        (0..<choices).map { index in
            var choice = generation
            if index > 0 { choice.id = GenerationRequest.nextID() }
            choice.sampling.seed = generation.sampling.seed.map { $0 &+ UInt64(index) }
            return choice
        }
    }
}
