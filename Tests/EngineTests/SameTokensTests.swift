import Engine
import Foundation
import LlamaModel
import Scheduling
import Testing

/// DESIGN's first promise: a greedy request yields the same tokens however it ran.
@Suite(.serialized, .timeLimit(.minutes(3))) struct SameTokensTests {
    let slo = ServiceLevelObjective(ttft: 1, tpot: 0.1)

    @Test(arguments: [SchedulingPolicy.fcfs, .ecoserve])
    func batchedWithOthersOfMixedLengths(policy: SchedulingPolicy) throws {
        let h = try ModelHarness(policy: policy, maxNumBatchedTokens: 48)
        var expected: [RequestID: [Int32]] = [:]
        for i in 0 ..< 4 {
            let prompt = try textPrompt(i, minimumTokens: 5 + 12 * i)
            try h.add(RequestID(i + 1), i % 2 == 0 ? .offline : .online(slo), prompt: prompt, maxTokens: 6 + i)
            expected[RequestID(i + 1)] = try referenceGreedy(prompt, count: 6 + i)
        }
        try h.runUntilIdle()
        #expect(h.outputs == expected)
        // They really shared steps, prefill chunks and decodes together.
        #expect(h.plans.contains { $0.chunks.count >= 3 })
    }

    @Test func inLentKVUnderEcoServe() throws {
        // 16 blocks of 16: the long request reserves 11, the first short one fits in what is
        // left, the second runs in blocks the long one has reserved but not yet written.
        let h = try ModelHarness(policy: .ecoserve, kvBlocks: 16)
        let prompts = try (0 ..< 3).map { Array(try textPrompt($0, minimumTokens: 20).prefix(20)) }
        try h.add(1, prompt: prompts[0], maxTokens: 150)
        try h.step()
        try h.add(2, prompt: prompts[1], maxTokens: 30)
        try h.add(3, prompt: prompts[2], maxTokens: 30)
        try h.runUntilIdle()
        #expect(h.scheduler.counters.kvLoans >= 1)
        #expect(h.outputs[1] == (try referenceGreedy(prompts[0], count: 150)))
        #expect(h.outputs[2] == (try referenceGreedy(prompts[1], count: 30)))
        #expect(h.outputs[3] == (try referenceGreedy(prompts[2], count: 30)))
    }

    @Test func preemptedByRecompute() throws {
        // A 6-block pool (96 positions) for two requests that each grow to 60.
        let h = try ModelHarness(policy: .fcfs, kvBlocks: 6)
        let p1 = try textPrompt(0, minimumTokens: 40), p2 = try textPrompt(2, minimumTokens: 40)
        try h.add(1, prompt: Array(p1.prefix(40)), maxTokens: 20)
        try h.add(2, prompt: Array(p2.prefix(40)), maxTokens: 20)
        try h.runUntilIdle()
        #expect(h.scheduler.counters.preemptions[.recompute, default: 0] > 0)
        #expect(h.outputs[1] == (try referenceGreedy(Array(p1.prefix(40)), count: 20)))
        #expect(h.outputs[2] == (try referenceGreedy(Array(p2.prefix(40)), count: 20)))
    }

    @Test(arguments: ["memory", "file"])
    func pausedAndRestoredFromTheCheckpointStore(store: String) throws {
        let directory = try EngineTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let h = try ModelHarness(policy: .conserve, checkpoint: { kv in
            store == "memory" ? try MemoryCheckpointStore(budgetBytes: 32 * kv.bytesPerBlock, bytesPerSlot: kv.bytesPerBlock) as any CheckpointStore
                : try FileCheckpointStore(directory: directory, budgetBytes: 32 * kv.bytesPerBlock, bytesPerSlot: kv.bytesPerBlock)
        }, maxNumSequences: 1, prefixCaching: false)
        let offline = try textPrompt(3, minimumTokens: 50), online = try textPrompt(4)
        try h.add(1, prompt: offline, maxTokens: 12)
        for _ in 0 ..< 4 { try h.step() }
        try h.add(2, .online(slo), prompt: online, maxTokens: 4)
        try h.step()
        #expect(h.scheduler.request(1)?.phase == .paused)
        try h.runUntilIdle()
        #expect(h.scheduler.counters.preemptions[.pause] == 1)
        #expect(h.scheduler.counters.restoredTokens >= 48)
        #expect(h.scheduler.counters.recomputedTokens < 16)
        #expect(h.outputs[1] == (try referenceGreedy(offline, count: 12)))
        #expect(h.outputs[2] == (try referenceGreedy(online, count: 4)))
    }

    @Test func resumedOnAPrefixCacheHit() throws {
        let h = try ModelHarness(policy: .conserve, checkpoint: nil, maxNumSequences: 1)
        let shared = try textPrompt(5, minimumTokens: 40)
        let first = shared + (try textPrompt(0)), second = shared + (try textPrompt(1))
        try h.add(1, prompt: first, maxTokens: 6)
        try h.runUntilIdle()
        try h.add(2, prompt: second, maxTokens: 6)
        try h.runUntilIdle()
        #expect(h.scheduler.counters.prefixCachedTokens >= 32)
        #expect(h.outputs[2] == (try referenceGreedy(second, count: 6)))
    }

    /// The flag is raised from another thread at a random moment of offline steps; each
    /// abandoned step is redone, and the tokens do not change.
    @Test func preemptedMidStepAtRandomLayers() throws {
        let h = try ModelHarness(policy: .conserve, maxNumBatchedTokens: 128)
        let prompt = try textPrompt(1, minimumTokens: 120)
        try h.add(1, prompt: prompt, maxTokens: 8)
        var layers: Set<Int> = []
        var steps = 0
        while h.scheduler.hasWork, steps < 200 {
            steps += 1
            let signal = h.executor.preemption
            let raiser: Thread? = steps % 2 == 1 && layers.count < 6 ? Thread {
                Thread.sleep(forTimeInterval: Double.random(in: 0 ... 0.02))
                signal.raise()
            } : nil
            raiser?.start()
            let plan = h.scheduler.schedule(now: h.now)
            let result = try h.executor.execute(plan)
            if case .preempted(let layer) = result.outcome { layers.insert(layer) }
            while let raiser, !raiser.isFinished { Thread.sleep(forTimeInterval: 0.001) }
            signal.clear()
            for event in h.scheduler.update(plan, with: result, now: h.now).tokens where event.requestID == 1 {
                h.outputsAppend(event.token)
            }
        }
        #expect(!layers.isEmpty, "no step was preempted")
        #expect(h.scheduler.counters.preemptions[.layer, default: 0] >= layers.count)
        #expect(h.outputs[1] == (try referenceGreedy(prompt, count: 8)))
    }
}
