import Scheduling
import Testing

@Suite struct FCFSPolicyTests {
    let slo = ServiceLevelObjective(ttft: 1.0, tpot: 0.05)

    @Test func fcfsPreemptsYoungestByRecomputeWhenKVRunsOut() throws {
        // 12 blocks of 4 = 48 positions; two requests that each grow to 40.
        var h = SchedulerHarness(SchedulerHarness.configuration(.fcfs, blocks: 12, batched: 64))
        let p1 = prompt(1, length: 20), p2 = prompt(2, length: 20)
        try h.add(1, prompt: p1, maxTokens: 20)
        try h.add(2, prompt: p2, maxTokens: 20)
        try h.runUntilIdle()
        #expect(h.scheduler.counters.preemptions[.recompute, default: 0] > 0)
        #expect(h.scheduler.counters.recomputedTokens > 0)
        #expect(h.outputs[1] == h.executor.reference(prompt: p1, count: 20))
        #expect(h.outputs[2] == h.executor.reference(prompt: p2, count: 20))
        h.expectClean()
    }
}
