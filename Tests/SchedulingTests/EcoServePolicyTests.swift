@testable import Scheduling
import Testing

@Suite struct EcoServePolicyTests {
    let slo = ServiceLevelObjective(ttft: 1.0, tpot: 0.05)

    func configuration(blocks: Int = 64, batched: Int = 64, sequences: Int = 8, reserve: Double = 0.05) -> SchedulerConfiguration {
        var c = SchedulerHarness.configuration(.ecoserve, blocks: blocks, batched: batched, sequences: sequences)
        c.kvReserveFraction = reserve
        return c
    }

    @Test func generationTasksGoBeforePromptTasks() throws {
        var h = SchedulerHarness(configuration(batched: 8))
        try h.add(1, prompt: prompt(1, length: 4), maxTokens: 20)
        try h.add(2, prompt: prompt(2, length: 4), maxTokens: 20)
        try h.step()
        try h.step()
        try h.add(3, prompt: prompt(3, length: 40), maxTokens: 5)
        let plan = try h.step()
        #expect(plan.chunks.map(\.requestID) == [1, 2, 3])
        #expect(plan.chunks.map(\.numScheduledTokens) == [1, 1, 6])
        try h.runUntilIdle()
        #expect(h.outputs[3] == h.executor.reference(prompt: prompt(3, length: 40), count: 5))
        h.expectClean()
    }

    @Test func admissionReservesPromptPlusPredictedOutput() throws {
        // 16 blocks of 4 positions, no reserve. Each request needs 8 prompt + 24 output = 8 blocks.
        var h = SchedulerHarness(configuration(blocks: 16, reserve: 0))
        for id in 1 ... 3 as ClosedRange<RequestID> { try h.add(id, prompt: prompt(Int(id), length: 8), maxTokens: 24) }
        let first = try h.step()
        // Two fit their reservations; the third waits although blocks are physically free.
        #expect(Set(first.chunks.map(\.requestID)) == [1, 2])
        #expect(h.scheduler.request(3)?.phase == .waiting)
        #expect(h.scheduler.kv.pool.freeCount == 12)
        #expect((h.scheduler.rules as! EcoServePolicy).unpromisedFreeBlocks(h.scheduler) == 0)
        try h.runUntilIdle()
        for id in 1 ... 3 as ClosedRange<RequestID> {
            #expect(h.outputs[id] == h.executor.reference(prompt: prompt(Int(id), length: 8), count: 24))
        }
        // No request outgrew its reservation, so none was ever preempted.
        #expect(h.scheduler.counters.preemptions.isEmpty)
        h.expectClean()
    }

    @Test func aShortRequestBorrowsWhatALongOneHasReservedButNotWritten() throws {
        // A: 8 + 200 tokens = 52 blocks of a 56-block pool (2 kept back); B: 4 + 8 = 3 blocks,
        // more than the 2 unpromised, but done long before A needs the lent blocks.
        var h = SchedulerHarness(configuration(blocks: 56))
        try h.add(1, prompt: prompt(1, length: 8), maxTokens: 200)
        try h.step()
        try h.add(2, prompt: prompt(2, length: 4), maxTokens: 8)
        try h.step()
        #expect(h.scheduler.request(2)?.phase == .running)
        #expect(h.scheduler.counters.kvLoans == 1)
        #expect(h.scheduler.integrityViolation() == nil)
        try h.runUntilIdle()
        #expect(h.outputs[1] == h.executor.reference(prompt: prompt(1, length: 8), count: 200))
        #expect(h.outputs[2] == h.executor.reference(prompt: prompt(2, length: 4), count: 8))
        #expect(h.scheduler.counters.kvLoanPreemptions == 0)
        h.expectClean()
    }

    @Test func aBorrowerThatOutgrowsItsPredictionIsMovedOrPreempted() throws {
        var h = SchedulerHarness(configuration(blocks: 40, reserve: 0))
        // Teach the predictor that 4-token prompts produce 2 tokens.
        for id in 100 ..< 110 as Range<RequestID> { try h.add(id, prompt: prompt(Int(id), length: 4), maxTokens: 2) }
        try h.runUntilIdle()
        // A long online request (its class has no history: predicted at max_tokens) reserves most
        // of the pool; then offline requests predicted at 2 tokens that run to 30.
        try h.add(1, .online(slo), prompt: prompt(1, length: 8), maxTokens: 140)
        try h.step()
        for id in 2 ... 5 as ClosedRange<RequestID> { try h.add(id, prompt: prompt(Int(id), length: 4), maxTokens: 30) }
        try h.runUntilIdle()
        #expect(h.scheduler.counters.kvLoans >= 1)
        #expect(h.scheduler.counters.kvLoanMoves + h.scheduler.counters.kvLoanPreemptions >= 1)
        #expect(h.outputs[1] == h.executor.reference(prompt: prompt(1, length: 8), count: 140))
        for id in 2 ... 5 as ClosedRange<RequestID> {
            #expect(h.outputs[id] == h.executor.reference(prompt: prompt(Int(id), length: 4), count: 30))
        }
        // The wrong predictions show in the accuracy figures.
        let accuracy = h.scheduler.snapshot.prediction
        #expect(accuracy.count >= 4 && accuracy.coverage < 1)
        h.expectClean()
    }

    @Test func waitingOrderIsSlackThenKVThenShortestJob() throws {
        var h = SchedulerHarness(configuration(sequences: 1))
        try h.add(1, prompt: prompt(1, length: 20), maxTokens: 30)
        try h.add(2, prompt: prompt(2, length: 4), maxTokens: 3)
        // The shorter job goes first although it arrived second.
        #expect(try h.step().chunks.map(\.requestID) == [2])
        // An online arrival has a TTFT deadline to keep: it takes the only seat (by recompute).
        try h.add(3, .online(slo), prompt: prompt(3, length: 4), maxTokens: 2)
        #expect(try h.step().chunks.map(\.requestID) == [3])
        try h.runUntilIdle()
        #expect(h.outputs[1] == h.executor.reference(prompt: prompt(1, length: 20), count: 30))
        #expect(h.outputs[2] == h.executor.reference(prompt: prompt(2, length: 4), count: 3))
        h.expectClean()
    }
}
