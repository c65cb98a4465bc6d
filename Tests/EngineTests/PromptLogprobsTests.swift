import Engine
import Foundation
import LlamaModel
import Scheduling
import Testing

/// Prompt log-probabilities through the engine: each prompt token's log-probability given the
/// tokens before it, as a plain forward pass over the prompt computes it, sent once.
@Suite(.serialized, .timeLimit(.minutes(3))) struct PromptLogprobsTests {
    /// log p(prompt[i] | prompt[..<i]) for i in 1..<prompt.count, from one sequence run alone
    /// with the logits of every position (in chunks of the forward pass's logits rows).
    static func reference(_ prompt: [Int32]) throws -> [Float] {
        let model = try EngineTestSupport.model.get()
        let forward = try EngineTestSupport.forwardPass()
        let kv = KVPool(config: model.config, blockCount: prompt.count / 16 + 1)
        let table = (0 ..< Int32(kv.blockCount))
        var batch = ForwardBatch()
        var scratch = [Float](repeating: 0, count: model.config.vocabularySize)
        var logprobs: [Float] = []
        var start = 0
        while start < prompt.count - 1 {
            let chunk = prompt[start ..< min(prompt.count, start + forward.maxLogitRows)]
            batch.removeAll()
            batch.add(tokens: chunk, startPosition: start, blockTable: table, logits: .all)
            try forward.run(batch, kv: kv)
            for row in 0 ..< chunk.count where start + row + 1 < prompt.count {
                scratch.withUnsafeMutableBufferPointer { Sampler.logSoftmax(UnsafeBufferPointer(forward.logits(row: row)), into: $0) }
                logprobs.append(scratch[Int(prompt[start + row + 1])])
            }
            start += chunk.count
        }
        return logprobs
    }

    /// Checks `entries` against the prompt and the reference; `top` alternatives expected per position.
    static func expectMatches(_ entries: [PromptTokenLogprob], prompt: [Int32], reference: [Float], top: Int,
                              sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(entries.map(\.token) == prompt, sourceLocation: sourceLocation)
        guard entries.count == prompt.count, let first = entries.first else { return }
        #expect(first.logprob == nil && first.top.isEmpty, sourceLocation: sourceLocation)
        for (i, entry) in entries.enumerated().dropFirst() {
            guard let logprob = entry.logprob else {
                Issue.record("prompt token \(i) has no log-probability", sourceLocation: sourceLocation)
                continue
            }
            #expect(abs(logprob - reference[i - 1]) < 2e-3, "prompt token \(i): \(logprob) vs \(reference[i - 1])",
                    sourceLocation: sourceLocation)
            #expect(entry.top.count == top, sourceLocation: sourceLocation)
            if let best = entry.top.first { #expect(best.logprob >= logprob - 1e-4, sourceLocation: sourceLocation) }
        }
    }

    @Test func matchAForwardPassOverThePromptAndArriveFirst() async throws {
        // 8 sequences → 8 logits rows a step: the prompt is scored over several steps.
        let engine = try EngineHandleTests.engine()
        defer { engine.shutdown() }
        let prompt = try textPrompt(1, minimumTokens: 30)
        let reference = try Self.reference(prompt)

        var request = GenerationRequest(prompt: prompt, maxTokens: 3)
        request.ignoreEOS = true
        request.promptLogprobs = 2
        let events = try await EngineHandleTests.collect(try engine.submit(request))
        #expect(events.compactMap(\.token) == (try referenceGreedy(prompt, count: 3)))
        #expect(events.dropFirst().allSatisfy { $0.promptLogprobs.isEmpty })
        Self.expectMatches(events.first?.promptLogprobs ?? [], prompt: prompt, reference: reference, top: 2)

        // Prompt scoring alone (max_tokens 0): everything on the one closing event, the same
        // values though the prompt's blocks are now in the prefix cache.
        var scoring = GenerationRequest(prompt: prompt, serviceClass: .offline, maxTokens: 0)
        scoring.promptLogprobs = 0
        let scored = try await EngineHandleTests.collect(try engine.submit(scoring))
        #expect(scored.count == 1)
        #expect(scored.first?.finishReason == .length && scored.first?.token == nil)
        #expect(scored.first?.usage?.cachedTokens == 0)
        Self.expectMatches(scored.first?.promptLogprobs ?? [], prompt: prompt, reference: reference, top: 0)

        // A one-token prompt has only the null entry.
        var single = GenerationRequest(prompt: [prompt[0]], maxTokens: 1)
        single.promptLogprobs = 1
        let one = try await EngineHandleTests.collect(try engine.submit(single))
        #expect(one.first?.promptLogprobs.count == 1 && one.first?.promptLogprobs.first?.logprob == nil)

        var bad = GenerationRequest(prompt: prompt, maxTokens: 1)
        bad.promptLogprobs = 21
        #expect(throws: EngineError.self) { try engine.submit(bad) }
        try await EngineHandleTests.waitUntilIdle(engine)
        #expect(engine.stats().integrityViolations.isEmpty)
    }

    @Test func recomputedRequestSendsEachPromptTokenOnce() async throws {
        // Six 16-position blocks. The older request grows to 90 positions; the younger one
        // scores its 40-token prompt beside it, seven rows a step, and is preempted by
        // recompute partway when the older one needs its fifth block.
        let model = try EngineTestSupport.model.get()
        let blockBytes = 16 * KVPool.bytesPerPosition(model.config)
        let engine = try EngineHandleTests.engine {
            $0.kvCacheBytes = 6 * blockBytes
            $0.policy = .priority
            $0.checkpoint = .none
        }
        defer { engine.shutdown() }
        let older = Array(try textPrompt(0, minimumTokens: 60).prefix(60))
        let younger = Array(try textPrompt(2, minimumTokens: 40).prefix(40))
        var first = GenerationRequest(prompt: older, serviceClass: .offline, maxTokens: 30)
        first.ignoreEOS = true
        var second = GenerationRequest(prompt: younger, serviceClass: .offline, maxTokens: 2)
        second.ignoreEOS = true
        second.promptLogprobs = 1
        let firstStream = try engine.submit(first)
        let secondStream = try engine.submit(second)
        async let firstEvents = EngineHandleTests.collect(firstStream)
        let secondEvents = try await EngineHandleTests.collect(secondStream)
        let firstTokens = try await firstEvents.compactMap(\.token)

        let stats = engine.stats()
        #expect(stats.scheduler.counters.preemptions[.recompute, default: 0] >= 1)
        #expect(stats.scheduler.counters.recomputedTokens > 0)
        let entries = secondEvents.flatMap(\.promptLogprobs)
        #expect(entries.count == younger.count)
        Self.expectMatches(entries, prompt: younger, reference: try Self.reference(younger), top: 1)
        #expect(secondEvents.compactMap(\.token) == (try referenceGreedy(younger, count: 2)))
        #expect(firstTokens == (try referenceGreedy(older, count: 30)))
    }
}
