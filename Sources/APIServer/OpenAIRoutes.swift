import Engine
import Foundation
import Hummingbird
import OpenAIAPI
import Scheduling

/// `/health`, `/v1/models`, `/v1/chat/completions` and `/v1/completions`.
struct OpenAIRoutes: Sendable {
    let service: GenerationService
    let configuration: ServerConfiguration
    let created = Int(Date().timeIntervalSince1970)

    func add(to router: Router<some RequestContext>) {
        router.get("/health") { _, _ in HTTPResponses.json(["status": "ok"]) }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: service.metrics.scrape(service.engine.stats()))))
        }
        router.get("/v1/models") { _, _ in
            HTTPResponses.json(ModelList(data: [ModelObject(id: configuration.modelName, created: created, ownedBy: "conserve")]))
        }
        router.get("/v1/models/:model") { _, context in
            let name = context.parameters.get("model") ?? ""
            guard name == configuration.modelName else { throw APIError.modelNotFound(name, available: [configuration.modelName]) }
            return HTTPResponses.json(ModelObject(id: name, created: created, ownedBy: "conserve"))
        }
        router.post("/v1/chat/completions") { request, _ in
            let body = try await HTTPResponses.body(of: request, limit: configuration.maxBodySize)
            return try await chat(try ChatCompletionRequest.decode(body).get())
        }
        router.post("/v1/completions") { request, _ in
            let body = try await HTTPResponses.body(of: request, limit: configuration.maxBodySize)
            return try await completion(try CompletionRequest.decode(body).get())
        }
    }

    func checkModel(_ model: String?) throws(APIError) {
        if let model, model != configuration.modelName {
            throw APIError.modelNotFound(model, available: [configuration.modelName])
        }
    }

    /// Output tokens when the request sets no limit: what is left of the context.
    func defaultMaxTokens(prompt: Int) -> Int {
        max(0, min(service.engine.maxModelLength, service.engine.kvCapacityTokens) - prompt)
    }

    // MARK: - Chat

    func chat(_ request: ChatCompletionRequest) async throws -> Response {
        try checkModel(request.model)
        let prompt = try service.prompts.chatPrompt(request.messages)
        let generation = GenerationRequest(
            prompt: prompt, request: request, maxTokens: request.outputTokenLimit ?? defaultMaxTokens(prompt: prompt.count),
            topLogprobs: request.wantsLogprobs ? (request.topLogprobs ?? 0) : nil)
        let id = ObjectID.chatCompletion(), created = Int(Date().timeIntervalSince1970)
        let tier: ServiceTier = request.isOffline ? .flex : .default
        if request.isStreaming {
            let stream = try service.submit(generation)
            let model = configuration.modelName, includeUsage = request.includesUsageInStream
            let logprobs = generation.topLogprobs != nil, tokenizer = service.tokenizer
            return SSE.response { send in
                try await send(ChatCompletionChunk(id: id, created: created, model: model, choices: [
                    .init(delta: .init(role: .assistant, content: ""))], serviceTier: tier))
                var usage: Usage?
                var finished = false
                for try await event in stream {
                    finished = finished || event.finishReason != nil
                    let choice = ChatCompletionChunk.Choice(
                        delta: .init(content: event.text),
                        logprobs: logprobs ? ChatCompletionLogprobs(content: event.logprob.map { [LogprobText.chat($0, tokenizer)] } ?? []) : nil,
                        finishReason: event.finishReason.map(CompletionFinishReason.init))
                    try await send(ChatCompletionChunk(id: id, created: created, model: model, choices: [choice], serviceTier: tier))
                    usage = event.usage ?? usage
                }
                // Ended without a finish reason: this task was cancelled (client gone, or shutdown).
                guard finished else { throw GenerationService.cancelled }
                if includeUsage, let usage {
                    try await send(ChatCompletionChunk.usageChunk(id: id, created: created, model: model, usage: CompletionUsage(usage)))
                }
            }
        }
        return HTTPResponses.json(try await chatCompletion(generation, id: id, created: created, tier: tier))
    }

    /// Runs a chat request to its end (non-streaming routes and batch lines).
    func chatCompletion(_ request: ChatCompletionRequest) async throws -> ChatCompletion {
        try checkModel(request.model)
        let prompt = try service.prompts.chatPrompt(request.messages)
        let generation = GenerationRequest(
            prompt: prompt, request: request, maxTokens: request.outputTokenLimit ?? defaultMaxTokens(prompt: prompt.count),
            topLogprobs: request.wantsLogprobs ? (request.topLogprobs ?? 0) : nil)
        return try await chatCompletion(generation, id: ObjectID.chatCompletion(), created: Int(Date().timeIntervalSince1970),
                                        tier: request.isOffline ? .flex : .default)
    }

    private func chatCompletion(_ generation: GenerationRequest, id: String, created: Int, tier: ServiceTier) async throws -> ChatCompletion {
        let events = try await service.collect(generation)
        let last = events.last
        let logprobs = generation.topLogprobs == nil ? nil
            : ChatCompletionLogprobs(content: events.compactMap { $0.logprob.map { LogprobText.chat($0, service.tokenizer) } })
        return ChatCompletion(
            id: id, created: created, model: configuration.modelName,
            choices: [.init(message: .init(content: events.map(\.text).joined()), logprobs: logprobs,
                            finishReason: last?.finishReason.map(CompletionFinishReason.init))],
            usage: last?.usage.map(CompletionUsage.init), serviceTier: tier)
    }

    // MARK: - Completions

    /// A completion request ready to run: the engine request and how its answer is built.
    struct PreparedCompletion {
        var generation: GenerationRequest
        var echo: String
        var wantsLogprobs: Bool
        var logprobs: CompletionLogprobsBuilder
    }

    /// With `echo`, the choice's text starts with the prompt; with `logprobs` too, its
    /// `logprobs` start with one entry per prompt token (`max_tokens: 0` scores the prompt).
    func prepare(_ request: CompletionRequest) throws -> PreparedCompletion {
        try checkModel(request.model)
        let prompt = try service.prompts.completionPrompt(request.prompt)
        var generation = GenerationRequest(prompt: prompt, request: request, maxTokens: request.outputTokenLimit,
                                           topLogprobs: request.logprobs)
        if request.echoesPrompt { generation.promptLogprobs = request.logprobs }
        let echo = request.echoesPrompt ? service.tokenizer.decode(prompt, skipSpecial: true) : ""
        return PreparedCompletion(
            generation: generation, echo: echo, wantsLogprobs: request.logprobs != nil,
            logprobs: CompletionLogprobsBuilder(tokenizer: service.tokenizer, echoedPrompt: request.echoesPrompt ? prompt : [],
                                                echoedText: echo))
    }

    func completion(_ request: CompletionRequest) async throws -> Response {
        let prepared = try prepare(request)
        let id = ObjectID.completion(), created = Int(Date().timeIntervalSince1970)
        guard request.isStreaming else {
            return HTTPResponses.json(try await textCompletion(prepared, id: id, created: created))
        }
        let stream = try service.submit(prepared.generation)
        let model = configuration.modelName, includeUsage = request.includesUsageInStream
        return SSE.response { send in
            var usage: Usage?
            var first = true, finished = false
            var logprobs = prepared.logprobs
            for try await event in stream {
                finished = finished || event.finishReason != nil
                let text = (first ? prepared.echo : "") + event.text
                first = false
                logprobs.add(event)
                let chunkLogprobs = prepared.wantsLogprobs && !logprobs.isEmpty ? logprobs.take() : nil
                try await send(Completion(id: id, created: created, model: model, choices: [
                    .init(text: text, logprobs: chunkLogprobs, finishReason: event.finishReason.map(CompletionFinishReason.init))],
                    usage: nil))
                usage = event.usage ?? usage
            }
            guard finished else { throw GenerationService.cancelled }
            if includeUsage, let usage {
                try await send(Completion(id: id, created: created, model: model, choices: [], usage: CompletionUsage(usage)))
            }
        }
    }

    /// Runs a completion request to its end (non-streaming routes and batch lines).
    func textCompletion(_ request: CompletionRequest) async throws -> Completion {
        try await textCompletion(try prepare(request), id: ObjectID.completion(), created: Int(Date().timeIntervalSince1970))
    }

    private func textCompletion(_ prepared: PreparedCompletion, id: String, created: Int) async throws -> Completion {
        let events = try await service.collect(prepared.generation)
        let last = events.last
        var logprobs = prepared.logprobs
        for event in events { logprobs.add(event) }
        return Completion(
            id: id, created: created, model: configuration.modelName,
            choices: [.init(text: prepared.echo + events.map(\.text).joined(), logprobs: prepared.wantsLogprobs ? logprobs.take() : nil,
                            finishReason: last?.finishReason.map(CompletionFinishReason.init))],
            usage: last?.usage.map(CompletionUsage.init))
    }
}
