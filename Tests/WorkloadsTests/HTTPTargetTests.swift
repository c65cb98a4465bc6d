import AsyncHTTPClient
import Foundation
import OpenAIAPI
import Scheduling
import Testing
@testable import Workloads

/// The request bodies the HTTP target sends, read back untyped as a server reads them.
@Suite struct HTTPTargetTests {
    static func body(_ flavor: HTTPTarget.Flavor, _ request: WorkloadRequest) async throws -> (json: [String: Any], data: Data) {
        let client = HTTPTarget.makeClient(connections: 1)
        let target = HTTPTarget(url: "http://localhost:1/", flavor: flavor, model: "m", endOfGenerationIDs: [2, 7], client: client)
        let data = Result { try target.body(request) }
        try await client.shutdown()
        let json = try #require(try JSONSerialization.jsonObject(with: data.get()) as? [String: Any])
        return (json, try data.get())
    }

    static func request(_ workClass: WorkClass, objective: ServiceLevelObjective? = nil) -> WorkloadRequest {
        WorkloadRequest(workClass: workClass, text: "Once upon", promptTokens: 3, maxTokens: 8, ignoreEOS: true, objective: objective)
    }

    @Test func conserveFlavorSendsTheClassObjectivesAndIgnoreEOSAndPassesTheServersValidation() async throws {
        let online = try await Self.body(.conserve, Self.request(.online, objective: ServiceLevelObjective(ttft: 0.5, tpot: 0.25)))
        #expect(online.json["model"] as? String == "m" && online.json["prompt"] as? String == "Once upon")
        #expect(online.json["max_tokens"] as? Int == 8 && online.json["temperature"] as? Double == 0)
        #expect(online.json["stream"] as? Bool == true)
        #expect((online.json["stream_options"] as? [String: Any])?["include_usage"] as? Bool == true)
        #expect(online.json["ignore_eos"] as? Bool == true && online.json["service_tier"] == nil)
        #expect(online.json["slo_ttft_ms"] as? Double == 500 && online.json["slo_tpot_ms"] as? Double == 250)
        #expect(online.json["logit_bias"] == nil)
        #expect((try? CompletionRequest.decode(online.data).get()) != nil)

        let offline = try await Self.body(.conserve, Self.request(.offline))
        #expect(offline.json["service_tier"] as? String == "flex" && offline.json["slo_ttft_ms"] == nil)
        #expect((try? CompletionRequest.decode(offline.data).get())?.isOffline == true)
    }

    @Test func openAIFlavorForcesTheLengthWithALogitBiasTurnsOffPromptCachingAndSendsNoConServeExtensions() async throws {
        let body = try await Self.body(.openai, Self.request(.offline, objective: ServiceLevelObjective(ttft: 0.5, tpot: 0.25))).json
        #expect(body["logit_bias"] as? [String: Double] == ["2": -100, "7": -100])
        #expect(body["ignore_eos"] == nil && body["service_tier"] == nil && body["slo_ttft_ms"] == nil)
        #expect(body["stream"] as? Bool == true && body["max_tokens"] as? Int == 8)
        // Runs replay identical prompts: a plain server must not answer them from its cache.
        #expect(body["cache_prompt"] as? Bool == false)
        #expect(body["prompt"] != nil && body["model"] != nil)
    }
}
