@testable import APIServer
import Engine
import Foundation
import OpenAIAPI
import Testing

/// The pipeline that routes and the batch worker share: the same body makes the same engine
/// request either way, except for what the origin decides (class, streaming).
@Suite(.serialized, .timeLimit(.minutes(3))) struct CompletionPipelineTests {
    /// `body` prepared as `/v1/...` and as a batch line would prepare it.
    func prepared(_ body: String, at endpoint: CompletionPipeline.Endpoint) throws -> (route: PreparedCompletion, line: PreparedCompletion) {
        let pipeline = CompletionPipeline(service: try ServerTestSupport.service.get(), modelName: "smollm2")
        return (try pipeline.prepare(Data(body.utf8), at: endpoint, origin: .http),
                try pipeline.prepare(Data(body.utf8), at: endpoint, origin: .batchLine))
    }

    /// Everything but the service class.
    func expectSameWork(_ a: GenerationRequest, _ b: GenerationRequest) {
        #expect(a.prompt == b.prompt)
        #expect(a.sampling == b.sampling)
        #expect(a.maxTokens == b.maxTokens && a.minTokens == b.minTokens && a.ignoreEOS == b.ignoreEOS)
        #expect(a.stopStrings == b.stopStrings && a.stopTokenIDs == b.stopTokenIDs)
        #expect(a.topLogprobs == b.topLogprobs && a.promptLogprobs == b.promptLogprobs)
    }

    @Test func aFlexRouteRequestAndABatchLineMakeTheSameEngineRequest() throws {
        let body = #"{"model": "smollm2", "messages": [{"role": "user", "content": "Name a colour."}], "service_tier": "flex", "max_tokens": 7, "temperature": 0.5, "top_p": 0.9, "seed": 3, "stop": ["\n"], "logprobs": true, "top_logprobs": 2}"#
        let (route, line) = try prepared(body, at: .chatCompletions)
        #expect(route.generation.serviceClass == .offline && line.generation.serviceClass == .offline)
        expectSameWork(route.generation, line.generation)
        #expect(route.generation.maxTokens == 7 && route.generation.topLogprobs == 2)
        #expect((route.format as? ChatCompletionFormat)?.tier == .flex && (line.format as? ChatCompletionFormat)?.tier == .flex)
    }

    @Test func withoutATierARouteRequestIsOnlineWithDefaultsFilledInAndABatchLineOffline() throws {
        let service = try ServerTestSupport.service.get()
        let body = #"{"model": "smollm2", "messages": [{"role": "user", "content": "Name a colour."}], "slo_ttft_ms": 300, "stream": true, "stream_options": {"include_usage": true}}"#
        let (route, line) = try prepared(body, at: .chatCompletions)
        var objective = service.engine.configuration.defaultObjective
        objective.ttft = 0.3
        #expect(route.generation.serviceClass == .online(objective))
        #expect(route.streams && route.includesUsage)
        #expect(line.generation.serviceClass == .offline)
        #expect(!line.streams && !line.includesUsage)
        expectSameWork(route.generation, line.generation)
        #expect((route.format as? ChatCompletionFormat)?.tier == .default && (line.format as? ChatCompletionFormat)?.tier == .flex)
    }

    @Test func legacyCompletionsTakeTheSamePath() throws {
        let body = #"{"model": "smollm2", "prompt": "The capital of France is", "max_tokens": 3, "echo": true, "logprobs": 1, "min_tokens": 2}"#
        let (route, line) = try prepared(body, at: .completions)
        #expect(route.generation.serviceClass == .online(try ServerTestSupport.service.get().engine.configuration.defaultObjective))
        #expect(line.generation.serviceClass == .offline)
        expectSameWork(route.generation, line.generation)
        #expect(route.generation.promptLogprobs == 1 && route.generation.minTokens == 2)
        #expect((route.format as? TextCompletionFormat)?.echo == "The capital of France is")
    }

    @Test func badBodiesFailTheSameWayFromEitherOrigin() throws {
        let pipeline = CompletionPipeline(service: try ServerTestSupport.service.get(), modelName: "smollm2")
        for origin in [CompletionOrigin.http, .batchLine] {
            #expect(throws: APIError.self) { try pipeline.prepare(Data(#"{"model": "gpt-9", "prompt": "x"}"#.utf8), at: .completions, origin: origin) }
            #expect(throws: APIError.self) { try pipeline.prepare(Data(#"{"model": "smollm2"}"#.utf8), at: .chatCompletions, origin: origin) }
        }
    }
}
