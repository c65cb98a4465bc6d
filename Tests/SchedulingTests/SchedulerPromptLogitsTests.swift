import Scheduling
import Testing

/// Requests that want their prompt's log-probabilities: their prompt chunks ask for the logits
/// of every position, within the executor's logits rows, and score each position once.
@Suite struct SchedulerPromptLogitsTests {
    /// Positions of `id` that ran in `allLogits` chunks, in plan order.
    static func scoredPositions(_ id: RequestID, in plans: [SchedulerOutput]) -> [Int] {
        plans.flatMap { plan in
            plan.chunks.filter { $0.requestID == id && $0.allLogits }
                .flatMap { $0.startPosition ..< $0.startPosition + $0.numScheduledTokens }
        }
    }

    @Test(arguments: SchedulingPolicy.allCases)
    func scoringChunksStayWithinTheLogitRows(policy: SchedulingPolicy) throws {
        var configuration = SchedulerHarness.configuration(policy, batched: 64, sequences: 4)
        configuration.maxLogitRows = 6
        var h = SchedulerHarness(configuration)
        let p1 = prompt(1, length: 10), p2 = prompt(2, length: 37), p3 = prompt(3, length: 7)
        try h.add(1, prompt: p1, maxTokens: 20)
        try h.add(2, prompt: p2, maxTokens: 5, wantsPromptLogits: true)
        try h.add(3, prompt: p3, maxTokens: 10)
        try h.runUntilIdle()

        for plan in h.plans { #expect(plan.numLogitRows <= 6, "step \(plan.step): \(plan.numLogitRows) rows") }
        // Every position but the last prompt one is scored, once and in order; the last runs
        // with the chunk that samples the first token.
        let scored = Self.scoredPositions(2, in: h.plans)
        #expect(scored.prefix(36) == ArraySlice(0 ..< 36))
        #expect(scored.count <= 37)
        // Scoring takes several rows a step while others decode beside it.
        #expect(h.plans.contains { plan in
            plan.chunks.contains { $0.requestID == 2 && $0.allLogits && $0.numScheduledTokens > 1 } && plan.chunks.count > 1
        })
        // The others never score anything, and the decodes of request 2 take one row.
        #expect(Self.scoredPositions(1, in: h.plans).isEmpty && Self.scoredPositions(3, in: h.plans).isEmpty)
        #expect(h.outputs[1] == h.executor.reference(prompt: p1, count: 20))
        #expect(h.outputs[2] == h.executor.reference(prompt: p2, count: 5))
        #expect(h.outputs[3] == h.executor.reference(prompt: p3, count: 10))
        h.expectClean()
    }

    @Test func promptOnlyScoringEndsWithoutToken() throws {
        var configuration = SchedulerHarness.configuration(.conserve, batched: 64)
        configuration.maxLogitRows = 8
        var h = SchedulerHarness(configuration)
        try h.add(1, prompt: prompt(4, length: 20), maxTokens: 0, wantsPromptLogits: true)
        try h.runUntilIdle()
        #expect(h.finished[1] == .length)
        #expect(h.outputs[1] == nil)
        #expect(Self.scoredPositions(1, in: h.plans).prefix(19) == ArraySlice(0 ..< 19))
        #expect(h.plans.allSatisfy { $0.numLogitRows <= 8 && $0.chunks.allSatisfy { !$0.samples } })
        h.expectClean()
    }

    @Test func scoringRequestTakesNothingFromThePrefixCache() throws {
        var h = SchedulerHarness(SchedulerHarness.configuration(.fcfs))
        let p = prompt(9, length: 22)
        try h.add(1, prompt: p, maxTokens: 2)
        try h.runUntilIdle()
        try h.add(2, prompt: p, maxTokens: 2, wantsPromptLogits: true)
        let plan = try h.step()
        #expect(plan.chunks.first?.startPosition == 0)
        #expect(plan.chunks.first?.allLogits == true)
        #expect(h.scheduler.request(2)?.numCachedTokens == 0)
        try h.runUntilIdle()
        // A plain request with the same prompt still gets the cache.
        try h.add(3, prompt: p, maxTokens: 2)
        #expect(try h.step().chunks.first?.startPosition == 20)
        try h.runUntilIdle()
        #expect(h.outputs[2] == h.outputs[1] && h.outputs[3] == h.outputs[1])
        h.expectClean()
    }

    // Not `ecoserve`: it reserves KV for the old request's whole output at admission, so the
    // young one waits instead of being preempted.
    @Test(arguments: SchedulingPolicy.allCases.filter { $0 != .ecoserve })
    func recomputedScoringRequestScoresEachPositionOnce(policy: SchedulingPolicy) throws {
        // 12 blocks of 4 = 48 positions: the old request grows to 38 while the young one
        // scores a 30-token prompt three rows a step, so the young one is preempted mid-prompt.
        var configuration = SchedulerHarness.configuration(policy, blocks: 12, batched: 64)
        configuration.maxLogitRows = 4
        var h = SchedulerHarness(configuration)
        let p1 = prompt(1, length: 8), p2 = prompt(2, length: 30)
        try h.add(1, prompt: p1, maxTokens: 30)
        try h.add(2, prompt: p2, maxTokens: 2, wantsPromptLogits: true)
        try h.runUntilIdle()
        #expect(h.scheduler.counters.preemptions[.recompute, default: 0] >= 1)
        #expect(h.scheduler.counters.recomputedTokens > 0)
        let scored = Self.scoredPositions(2, in: h.plans)
        #expect(Array(scored.prefix(29)) == Array(0 ..< 29))
        #expect(scored.count <= 30)
        for plan in h.plans { #expect(plan.numLogitRows <= 4) }
        #expect(h.outputs[1] == h.executor.reference(prompt: p1, count: 30))
        #expect(h.outputs[2] == h.executor.reference(prompt: p2, count: 2))
        h.expectClean()
    }

    @Test func fewerLogitRowsThanDecodesDelaysButNeverDropsTokens() throws {
        var configuration = SchedulerHarness.configuration(.priority, sequences: 3)
        configuration.maxLogitRows = 2
        var h = SchedulerHarness(configuration)
        var expected: [RequestID: [Int32]] = [:]
        for id in 1 ... 3 as ClosedRange<RequestID> {
            let p = prompt(Int(id), length: 5 + Int(id))
            try h.add(id, prompt: p, maxTokens: 6)
            expected[id] = h.executor.reference(prompt: p, count: 6)
        }
        try h.runUntilIdle()
        for plan in h.plans { #expect(plan.numLogitRows <= 2) }
        #expect(h.outputs == expected)
        h.expectClean()
    }
}
