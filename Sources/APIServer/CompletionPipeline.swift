import Engine
import Foundation
import Hummingbird
import OpenAIAPI

/// The one path from a completion request's body to its answer, which the completion routes
/// and the batch worker both take:
///
/// 1. decode and validate the body (`ChatCompletionRequest` or `CompletionRequest`), check the model;
/// 2. encode the prompt (chat template, or text or token ids);
/// 3. build the `GenerationRequest`, its service class and objectives from `ObjectiveDefaults`;
/// 4. submit it through `GenerationService` (admission, metrics);
/// 5. collect its events, or stream them;
/// 6. write the answer in the endpoint's `CompletionFormat`.
struct CompletionPipeline: Sendable {
    /// The endpoints that run a completion.
    enum Endpoint: Sendable {
        case chatCompletions
        case completions
    }

    let service: GenerationService
    let modelName: String

    /// An HTTP request's answer: a JSON body, or server-sent events when it asks to stream.
    func response(to body: Data, at endpoint: Endpoint) async throws -> Response {
        let prepared = try prepare(body, at: endpoint, origin: .http)
        return prepared.streams ? try stream(prepared, prepared.format) : HTTPResponses.json(try await run(prepared, prepared.format))
    }

    /// A batch line's answer, run offline to its end: the JSON body its output line holds.
    func batchLineResponse(to body: Data, at endpoint: Endpoint) async throws -> Data {
        let prepared = try prepare(body, at: endpoint, origin: .batchLine)
        return try HTTPResponses.encoder.encode(try await run(prepared, prepared.format))
    }

    // MARK: - Steps

    func prepare(_ body: Data, at endpoint: Endpoint, origin: CompletionOrigin) throws(APIError) -> PreparedCompletion {
        switch endpoint {
        case .chatCompletions: try prepare(try ChatCompletionRequest.decode(body).get(), origin: origin)
        case .completions: try prepare(try CompletionRequest.decode(body).get(), origin: origin)
        }
    }

    private func prepare(_ request: ChatCompletionRequest, origin: CompletionOrigin) throws(APIError) -> PreparedCompletion {
        try checkModel(request.model)
        let tools = ToolCallPlan(request, syntax: service.prompts.toolSyntax)
        let prompt = try service.prompts.chatPrompt(request.messages, tools: tools)
        var generation = GenerationRequest(
            prompt: prompt, request: request, serviceClass: service.objectives.serviceClass(for: request, origin: origin),
            maxTokens: request.outputTokenLimit ?? defaultMaxTokens(prompt: prompt.count),
            topLogprobs: request.wantsLogprobs ? (request.topLogprobs ?? 0) : nil)
        try constrain(&generation, request)
        if let constraint = tools?.constraint {
            generation.grammar = try service.grammars.grammar(forToolAnswer: constraint.schema, framedBy: constraint.frame)
        }
        let format = ChatCompletionFormat(model: modelName, tier: generation.serviceClass.serviceTier,
                                          logprobsTokenizer: generation.topLogprobs == nil ? nil : service.tokenizer, tools: tools)
        return PreparedCompletion(generation: generation, request: request, origin: origin, format: format)
    }

    /// With `echo`, the choice's text starts with the prompt; with `logprobs` too, its
    /// `logprobs` start with one entry per prompt token (`max_tokens: 0` scores the prompt).
    private func prepare(_ request: CompletionRequest, origin: CompletionOrigin) throws(APIError) -> PreparedCompletion {
        try checkModel(request.model)
        let prompt = try service.prompts.completionPrompt(request.prompt)
        var generation = GenerationRequest(
            prompt: prompt, request: request, serviceClass: service.objectives.serviceClass(for: request, origin: origin),
            maxTokens: request.outputTokenLimit, topLogprobs: request.logprobs)
        if request.echoesPrompt { generation.promptLogprobs = request.logprobs }
        try constrain(&generation, request)
        let echo = request.echoesPrompt ? service.tokenizer.decode(prompt, skipSpecial: true) : ""
        let format = TextCompletionFormat(
            model: modelName, echo: echo, wantsLogprobs: request.logprobs != nil,
            logprobs: CompletionLogprobsBuilder(tokenizer: service.tokenizer, echoedPrompt: request.echoesPrompt ? prompt : [],
                                                echoedText: echo))
        return PreparedCompletion(generation: generation, request: request, origin: origin, format: format)
    }

    /// The request's `response_format` grammar and `logit_bias`, checked against the vocabulary.
    private func constrain(_ generation: inout GenerationRequest, _ request: some TextGenerationRequest) throws(APIError) {
        let vocabularySize = service.tokenizer.vocabularySize
        if let id = generation.sampling.logitBias.keys.sorted().first(where: { Int($0) >= vocabularySize }) {
            throw APIError.invalidValue(param: "logit_bias.\(id)",
                                        "\(id) is not a token id of this model (its vocabulary has \(vocabularySize) tokens).")
        }
        generation.grammar = try service.grammars.grammar(for: request.responseFormat)
    }

    private func checkModel(_ model: String?) throws(APIError) {
        if let model, model != modelName { throw APIError.modelNotFound(model, available: [modelName]) }
    }

    /// Output tokens when a chat request sets no limit: what is left of the context.
    private func defaultMaxTokens(prompt: Int) -> Int {
        max(0, min(service.engine.maxModelLength, service.engine.kvCapacityTokens) - prompt)
    }

    /// Runs the request to its end and writes the whole answer.
    private func run<Format: CompletionFormat>(_ prepared: PreparedCompletion, _ format: Format) async throws -> Format.Body {
        guard prepared.choices > 1 else { return format.body(try await service.collect(prepared.generation)) }
        return format.body(choices: try await service.collect(choices: prepared.choiceRequests))
    }

    /// Submits the request now (so that a refusal is an HTTP error, not an event) and streams
    /// its answer chunk by chunk.
    private func stream<Format: CompletionFormat>(_ prepared: PreparedCompletion, _ format: Format) throws -> Response {
        guard prepared.choices == 1 else { return try stream(choices: prepared, format) }
        let events = try service.submit(prepared.generation)
        let includesUsage = prepared.includesUsage
        return SSE.response { send in
            var format = format
            for chunk in format.openingChunks() { try await send(chunk) }
            var usage: Usage?
            var finished = false
            for try await event in events {
                finished = finished || event.finishReason != nil
                for chunk in format.chunks(event) { try await send(chunk) }
                usage = event.usage ?? usage
            }
            // Ended without a finish reason: this task was cancelled (client gone, or shutdown).
            guard finished else { throw GenerationService.cancelled }
            if includesUsage, let usage { try await send(format.usageChunk(CompletionUsage(usage))) }
        }
    }

    /// With `n` > 1: the choices' events merged into one stream as they come. Each chunk carries
    /// one choice with its `index`, written by that choice's own copy of the format (for chat,
    /// each choice opens with its own role chunk, and ends with its own finish reason); the
    /// usage chunk counts the prompt once and every choice's output, as the whole body does.
    private func stream<Format: CompletionFormat>(choices prepared: PreparedCompletion, _ format: Format) throws -> Response {
        let events = try service.submit(choices: prepared.choiceRequests)
        let count = prepared.choices, includesUsage = prepared.includesUsage
        return SSE.response { send in
            var formats = Array(repeating: format, count: count)
            for index in formats.indices {
                for chunk in formats[index].openingChunks() { try await send(chunk.choice(index)) }
            }
            var usages: [Usage?] = Array(repeating: nil, count: count)
            var finished = 0
            for try await (index, event) in events {
                if event.finishReason != nil { finished += 1 }
                for chunk in formats[index].chunks(event) { try await send(chunk.choice(index)) }
                usages[index] = event.usage ?? usages[index]
            }
            // Some choice ended without a finish reason: this task was cancelled (client gone, or shutdown).
            guard finished == count else { throw GenerationService.cancelled }
            if includesUsage, let usage = CompletionUsage(usages: usages.compactMap { $0 }) {
                try await send(format.usageChunk(usage))
            }
        }
    }
}
