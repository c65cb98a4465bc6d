import Engine
import Foundation
import LlamaModel
import ModelFiles
import Scheduling
import Testing
import Tokenization
import Workloads
@testable import conserve

@Suite(.serialized, .timeLimit(.minutes(3))) struct EngineTargetTests {
    static let model: Result<LoadedModel, any Error> = Result {
        try LoadedModel(path: try ModelStore.ensureDefaultModel { FileHandle.standardError.write(Data(($0 + "\n").utf8)) })
    }

    @Test func aRunThroughTheEngineRecordsEveryTokenAndLeavesNoKVBehind() async throws {
        let model = try Self.model.get()
        let tokenizer = try Tokenizer(gguf: model.file)
        var configuration = EngineConfiguration()
        configuration.policy = .priority
        configuration.kvCacheBytes = 64 << 20
        configuration.checkpoint = .none
        configuration.threads = 2
        let engine = try EngineHandle(model: model, tokenizer: tokenizer, configuration: configuration, latencyModel: nil)
        defer { engine.shutdown() }
        let pool = try PromptPool(texts: ["A question about the weather in Paris and what to wear for a long walk."], tokenizer: tokenizer, seed: 0)
        let online = [0.0, 0.2, 0.4].map { arrival in
            let prompt = pool.prompt(tokens: 24)
            return TimedRequest(arrival: arrival, request: WorkloadRequest(workClass: .online, text: prompt.text, promptTokens: prompt.tokens,
                                                                          maxTokens: 5, ignoreEOS: true))
        }
        let offlinePrompt = pool.prompt(tokens: 40)
        // Offline jobs too long to finish in the window: they are cut at its end.
        let offline = WorkloadRequest(workClass: .offline, text: offlinePrompt.text, promptTokens: offlinePrompt.tokens,
                                      maxTokens: 600, ignoreEOS: true)
        // A window long enough for offline tokens after the online ones even on a busy machine,
        // where a debug-build step can take a few hundred milliseconds.
        let plan = LoadPlan(online: online, offline: [offline], offlineConcurrency: 2, duration: 4)
        let records = await LoadGenerator.run(plan, target: EngineTarget(engine: engine, tokenizer: tokenizer))

        let onlineRecords = records.filter { $0.workClass == .online }
        #expect(onlineRecords.count == 3)
        #expect(onlineRecords.allSatisfy { $0.outputTokens == 5 && $0.finished != nil && $0.error == nil && $0.promptTokens == 24 })
        #expect(onlineRecords.allSatisfy { ($0.ttft ?? -1) > 0 && $0.tokenTimes == $0.tokenTimes.sorted() })
        let offlineRecords = records.filter { $0.workClass == .offline }
        #expect(offlineRecords.count == 2)
        #expect(offlineRecords.allSatisfy { $0.finished == nil && $0.outputTokens > 0 && $0.outputTokens < 600 })

        // The cut offline requests were cancelled in the engine: every KV block comes back.
        var snapshot = engine.stats().scheduler
        for _ in 0 ..< 100 where snapshot.kvBlocksUsed > 0 || snapshot.runningOffline > 0 {
            try await Task.sleep(for: .milliseconds(50))
            snapshot = engine.stats().scheduler
        }
        #expect(snapshot.kvBlocksUsed == 0 && snapshot.runningOnline + snapshot.runningOffline + snapshot.waitingOffline == 0)
        #expect(engine.stats().integrityViolations.isEmpty)
    }
}
