import Scheduling
import Testing

@Suite struct SchedulerPreemptionTests {
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

    /// Without prefix caching the paused request's freed blocks are gone, so it resumes from
    /// the checkpoint; with it, its own blocks are still cached and it resumes from them.
    @Test(arguments: [false, true])
    func conservePausesCheckpointedOfflineAndRestoresIt(prefixCaching: Bool) throws {
        var configuration = SchedulerHarness.configuration(.conserve, slots: 64, sequences: 1)
        configuration.prefixCaching = prefixCaching
        var h = SchedulerHarness(configuration)
        let offline = prompt(1, length: 30), online = prompt(2, length: 6)
        try h.add(1, prompt: offline, maxTokens: 20)
        for _ in 0 ..< 6 { try h.step() }
        let computed = h.scheduler.request(1)!.numComputedTokens
        try h.add(2, .online(slo), prompt: online, maxTokens: 3)
        try h.step()
        let paused = h.scheduler.request(1)!
        #expect(paused.phase == .paused)
        #expect(h.scheduler.counters.preemptions[.pause] == 1)
        #expect(paused.blockTable.isEmpty)
        // Every full computed block was saved before the pause; at most the tail is lost.
        #expect(paused.checkpointSlots.count == computed / 4)
        try h.runUntilIdle()
        let restored = h.plans.reduce(0) { $0 + $1.restores.count }
        #expect(restored == (prefixCaching ? 0 : computed / 4))
        #expect(h.scheduler.counters.restoredTokens == restored * 4)
        #expect(h.scheduler.counters.prefixCachedTokens == (prefixCaching ? computed / 4 * 4 : 0))
        #expect(h.scheduler.counters.recomputedTokens < 4)
        #expect(h.outputs[1] == h.executor.reference(prompt: offline, count: 20))
        #expect(h.outputs[2] == h.executor.reference(prompt: online, count: 3))
        h.expectClean()
    }

    @Test func fullCheckpointTierTurnsOldestPausedIntoRecompute() throws {
        var h = SchedulerHarness(SchedulerHarness.configuration(.conserve, slots: 6, sequences: 1))
        let p1 = prompt(1, length: 20), p2 = prompt(2, length: 20)
        try h.add(1, prompt: p1, maxTokens: 4)
        for _ in 0 ..< 3 { try h.step() }
        try h.add(2, .online(slo), prompt: p2, maxTokens: 40) // pauses 1
        for _ in 0 ..< 2 { try h.step() }
        #expect(h.scheduler.request(1)?.phase == .paused)
        try h.runUntilIdle()
        #expect(h.outputs[1] == h.executor.reference(prompt: p1, count: 4))
        h.expectClean()
        // Saves of an online request never happen; the paused request kept its slots here.
        #expect(h.scheduler.counters.checkpointEvictions == 0)

        // Two offline requests outgrow a 12-block pool: the younger is paused, the older keeps
        // saving, the 6-slot tier fills, and the paused one loses its copy to recompute.
        var g = SchedulerHarness(SchedulerHarness.configuration(.conserve, blocks: 12, slots: 6, sequences: 4))
        try g.add(1, prompt: p1, maxTokens: 20)
        try g.add(2, prompt: p2, maxTokens: 20)
        try g.runUntilIdle()
        #expect(g.scheduler.counters.preemptions[.pause, default: 0] > 0)
        #expect(g.scheduler.counters.checkpointEvictions > 0)
        #expect(g.outputs[1] == g.executor.reference(prompt: p1, count: 20))
        #expect(g.outputs[2] == g.executor.reference(prompt: p2, count: 20))
        g.expectClean()
    }

    @Test func layerPreemptedStepCommitsNothing() throws {
        var h = SchedulerHarness(SchedulerHarness.configuration(.conserve, slots: 16, batched: 8))
        let p = prompt(5, length: 30)
        try h.add(1, prompt: p, maxTokens: 6)
        var n = 0
        h.executor.preemptAfterLayer = { plan in
            n += 1
            return plan.preemptible && n % 3 == 0 ? 7 : nil
        }
        try h.step()
        try h.step()
        let before = h.scheduler.request(1)!.numComputedTokens
        try h.step() // preempted
        #expect(h.scheduler.request(1)!.numComputedTokens == before)
        #expect(h.scheduler.counters.preemptions[.layer] == 1)
        try h.runUntilIdle()
        #expect(h.outputs[1] == h.executor.reference(prompt: p, count: 6))
        h.expectClean()
    }

    @Test func onlineStepsAreNotPreemptible() throws {
        var h = SchedulerHarness(SchedulerHarness.configuration(.conserve))
        try h.add(1, .online(slo), prompt: prompt(1, length: 5), maxTokens: 3)
        #expect(try h.step().preemptible == false)
        try h.add(2, prompt: prompt(2, length: 5), maxTokens: 3)
        try h.runUntilIdle()
        #expect(h.plans.last?.preemptible == true)
    }

    @Test func conserveFitsOfflineTokensIntoTheTPOTSlack() throws {
        // Step = 10 ms + 1 ms per token; TPOT 50 ms with a 15% margin leaves 42.5 ms: the
        // online decode (1 token) plus at most 31 offline tokens.
        var h = SchedulerHarness(SchedulerHarness.configuration(.conserve, batched: 256))
        h.stepSeconds = 0
        try h.add(1, .online(slo), prompt: prompt(1, length: 8), maxTokens: 20)
        try h.step() // online prefill alone
        try h.add(2, prompt: prompt(2, length: 200), maxTokens: 5)
        let plan = try h.step()
        let offline = plan.chunks.filter { !$0.isOnline }.reduce(0) { $0 + $1.numScheduledTokens }
        #expect(offline == 31)
        #expect(plan.predictedSeconds <= 0.0425 + 1e-9)
        #expect(plan.preemptible == false)

        // The same with fcfs takes the whole token budget.
        var f = SchedulerHarness(SchedulerHarness.configuration(.fcfs, batched: 256))
        try f.add(1, .online(slo), prompt: prompt(1, length: 8), maxTokens: 20)
        try f.step()
        try f.add(2, prompt: prompt(2, length: 200), maxTokens: 5)
        #expect(try f.step().numScheduledTokens == 201)
    }

    @Test func conserveHoldsOfflineWhileOnlineWaitsForFirstToken() throws {
        var h = SchedulerHarness(SchedulerHarness.configuration(.conserve, batched: 64))
        try h.add(1, prompt: prompt(1, length: 100), maxTokens: 5)
        try h.step()
        try h.add(2, .online(slo), prompt: prompt(2, length: 40), maxTokens: 5)
        let plan = try h.step()
        #expect(plan.chunks.map(\.requestID) == [2])
        #expect(plan.numScheduledTokens == 40)
    }

    @Test func failedSaveDropsThatCopyAndLaterOnes() throws {
        var h = SchedulerHarness(SchedulerHarness.configuration(.conserve, slots: 32, sequences: 1))
        h.executor.failingSlots = [29] // slots are handed out from 0 upwards... the second one reserved
        let p = prompt(1, length: 24)
        try h.add(1, prompt: p, maxTokens: 10)
        for _ in 0 ..< 4 { try h.step() }
        try h.add(2, .online(slo), prompt: prompt(2, length: 4), maxTokens: 2)
        try h.runUntilIdle()
        #expect(h.outputs[1] == h.executor.reference(prompt: p, count: 10))
        h.expectClean()
    }
}
