import Scheduling
import Testing

@Suite struct PrefixCacheTests {
    let slo = ServiceLevelObjective(ttft: 1.0, tpot: 0.05)

    @Test func prefixCacheHitReusesFullBlocksAndKeepsTokens() throws {
        var h = SchedulerHarness(SchedulerHarness.configuration(.fcfs))
        let shared = prompt(9, length: 22)
        let a = shared + [1, 2, 3], b = shared + [4, 5]
        try h.add(1, prompt: a, maxTokens: 3)
        try h.runUntilIdle()
        try h.add(2, prompt: b, maxTokens: 3)
        let plan = try h.step()
        // 22 shared tokens = 5 full blocks of 4; the request starts at position 20.
        #expect(plan.chunks.first?.startPosition == 20)
        #expect(h.scheduler.request(2)?.numCachedTokens == 20)
        try h.runUntilIdle()
        #expect(h.outputs[2] == h.executor.reference(prompt: b, count: 3))
        #expect(h.scheduler.counters.prefixCachedTokens == 20)
        h.expectClean()
    }

    @Test func identicalPromptLeavesLastTokenToCompute() throws {
        var h = SchedulerHarness(SchedulerHarness.configuration(.fcfs))
        let p = prompt(2, length: 16)
        try h.add(1, prompt: p, maxTokens: 2)
        try h.runUntilIdle()
        try h.add(2, prompt: p, maxTokens: 2)
        let plan = try h.step()
        #expect(plan.chunks.first?.startPosition == 12)
        try h.runUntilIdle()
        #expect(h.outputs[2] == h.outputs[1])
        h.expectClean()
    }
}
