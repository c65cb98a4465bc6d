@testable import APIServer
import Engine
import Foundation
import OpenAIAPI
import Testing

/// A request's service class and objectives, decided in one place for routes and batch lines.
@Suite struct ObjectiveDefaultsTests {
    let defaults = ObjectiveDefaults(objective: EngineConfiguration().defaultObjective)

    func chat(_ extraFields: String = "") throws -> ChatCompletionRequest {
        let body = #"{"model": "smollm2", "messages": [{"role": "user", "content": "hi"}]\#(extraFields)}"#
        return try ChatCompletionRequest.decode(Data(body.utf8)).get()
    }

    @Test func anOnlineRequestGetsTheDefaultsForTheObjectivesItLeavesOut() throws {
        #expect(defaults.serviceClass(for: try chat(), origin: .http) == .online(defaults.objective))
        var ttftOnly = defaults.objective
        ttftOnly.ttft = 0.25
        #expect(defaults.serviceClass(for: try chat(#", "slo_ttft_ms": 250"#), origin: .http) == .online(ttftOnly))
        var tpotOnly = defaults.objective
        tpotOnly.tpot = 0.05
        #expect(defaults.serviceClass(for: try chat(#", "slo_tpot_ms": 50, "service_tier": "auto""#), origin: .http) == .online(tpotOnly))
    }

    @Test func flexRequestsAndBatchLinesAreOffline() throws {
        #expect(defaults.serviceClass(for: try chat(#", "service_tier": "flex""#), origin: .http) == .offline)
        #expect(defaults.serviceClass(for: try chat(), origin: .batchLine) == .offline)
        #expect(defaults.serviceClass(for: try chat(#", "slo_ttft_ms": 250"#), origin: .batchLine) == .offline)
        #expect(GenerationRequest.Class.offline.serviceTier == .flex)
        #expect(GenerationRequest.Class.online(defaults.objective).serviceTier == .default)
    }

    /// `GenerationService.submit` completes requests built in process, which leave objectives out.
    @Test func anInProcessRequestWithoutObjectivesGetsTheDefaults() {
        #expect(defaults.completed(.online(nil)) == .online(defaults.objective))
        var own = defaults.objective
        own.ttft = 9
        #expect(defaults.completed(.online(own)) == .online(own))
        #expect(defaults.completed(.offline) == .offline)
    }
}
