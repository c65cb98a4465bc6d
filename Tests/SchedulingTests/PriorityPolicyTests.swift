import Scheduling
import Testing

@Suite struct PriorityPolicyTests {
    let slo = ServiceLevelObjective(ttft: 1.0, tpot: 0.05)

    @Test func priorityPreemptsOfflineByRecomputeForOnlineWhenRunningSetIsFull() throws {
        var h = SchedulerHarness(SchedulerHarness.configuration(.priority, sequences: 2))
        let p1 = prompt(1, length: 10), p2 = prompt(2, length: 10), p3 = prompt(3, length: 10)
        try h.add(1, prompt: p1, maxTokens: 30)
        try h.add(2, prompt: p2, maxTokens: 30)
        for _ in 0 ..< 4 { try h.step() }
        try h.add(3, .online(slo), prompt: p3, maxTokens: 5)
        let plan = try h.step()
        #expect(plan.chunks.contains { $0.requestID == 3 })
        #expect(!plan.chunks.contains { $0.requestID == 2 })
        #expect(h.scheduler.request(2)?.phase == .preempted)
        #expect(h.scheduler.counters.preemptions[.recompute] == 1)
        #expect(h.scheduler.counters.preemptions[.pause] == nil)
        try h.runUntilIdle()
        #expect(h.outputs[2] == h.executor.reference(prompt: p2, count: 30))
        #expect(h.outputs[3] == h.executor.reference(prompt: p3, count: 5))
        h.expectClean()
    }
}
