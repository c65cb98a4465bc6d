import Scheduling
import Testing

@Suite struct CheckpointingTests {
    let slo = ServiceLevelObjective(ttft: 1.0, tpot: 0.05)

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

    /// A restore that fails (a damaged checkpoint) turns that request into a recompute; the
    /// other paused request restores, and every output is what each request gives alone.
    @Test func failedRestoreRecomputesThatRequestAlone() throws {
        var configuration = SchedulerHarness.configuration(.conserve, slots: 64, sequences: 2)
        configuration.prefixCaching = false
        var h = SchedulerHarness(configuration)
        let p1 = prompt(1, length: 24), p2 = prompt(2, length: 24), p3 = prompt(3, length: 5), p4 = prompt(4, length: 5)
        try h.add(1, prompt: p1, maxTokens: 12)
        try h.add(2, prompt: p2, maxTokens: 12)
        for _ in 0 ..< 4 { try h.step() }
        try h.add(3, .online(slo), prompt: p3, maxTokens: 3)
        try h.add(4, .online(slo), prompt: p4, maxTokens: 3)
        try h.step()
        #expect(h.scheduler.request(1)?.phase == .paused)
        #expect(h.scheduler.request(2)?.phase == .paused)
        let damaged = h.scheduler.request(1)!.checkpointSlots
        let intact = h.scheduler.request(2)!.checkpointSlots.count
        h.executor.failingRestoreSlots = Set(damaged)
        try h.runUntilIdle()
        #expect(h.scheduler.counters.failedRestores == 1)
        #expect(h.scheduler.counters.restoredTokens == intact * 4)
        #expect(h.scheduler.counters.recomputedTokens >= damaged.count * 4)
        #expect(h.outputs[1] == h.executor.reference(prompt: p1, count: 12))
        #expect(h.outputs[2] == h.executor.reference(prompt: p2, count: 12))
        #expect(h.outputs[3] == h.executor.reference(prompt: p3, count: 3))
        #expect(h.outputs[4] == h.executor.reference(prompt: p4, count: 3))
        h.expectClean()
    }
}
