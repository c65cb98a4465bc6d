import Scheduling
import Testing

@Suite struct LayerPreemptionTests {
    let slo = ServiceLevelObjective(ttft: 1.0, tpot: 0.05)

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

    // The rule on its own: 10 ms + 1 ms per token, first chunks of at most 64 tokens.
    let rule = LayerPreemptionRule(latencyModel: LinearStepTime(), maxNumBatchedTokens: 64)

    @Test func anArrivalThatWouldMissItsTTFTAbandonsAnOfflineStep() {
        // 1.5 s of the step left at 0.5 s, plus the arrival's own 100-token prefill: chunks of
        // 64 and 36 tokens, 74 + 46 ms.
        let step = StepInFlight(start: 0, predictedSeconds: 2.0, preemptible: true)
        #expect(rule.shouldPreempt(step, forArrivalWith: .init(ttft: 1.0, tpot: 0.1), promptTokens: 100, now: 0.5))
        #expect(!rule.shouldPreempt(step, forArrivalWith: .init(ttft: 2.0, tpot: 0.1), promptTokens: 100, now: 0.5))
        // 1.5 + 0.12 s is 1.62 s: a TTFT just under it preempts, just over it waits.
        #expect(rule.shouldPreempt(step, forArrivalWith: .init(ttft: 1.619, tpot: 0.1), promptTokens: 100, now: 0.5))
        #expect(!rule.shouldPreempt(step, forArrivalWith: .init(ttft: 1.621, tpot: 0.1), promptTokens: 100, now: 0.5))
    }

    @Test func aLongPromptCountsEveryChunkOfItsPrefill() {
        // 0.1 s of the step left; a 640-token prompt is 10 chunks of 64 tokens, 0.74 s, where its
        // first chunk alone is 0.074 s: a 0.5 s TTFT is missed only when the whole prefill counts.
        let step = StepInFlight(start: 0, predictedSeconds: 0.2, preemptible: true)
        #expect(abs(LinearStepTime().prefillSeconds(promptTokens: 640, chunk: 64) - 0.74) < 1e-9)
        #expect(rule.shouldPreempt(step, forArrivalWith: .init(ttft: 0.5, tpot: 0.1), promptTokens: 640, now: 0.1))
        #expect(!rule.shouldPreempt(step, forArrivalWith: .init(ttft: 0.5, tpot: 0.1), promptTokens: 64, now: 0.1))
        #expect(!rule.shouldPreempt(step, forArrivalWith: .init(ttft: 0.85, tpot: 0.1), promptTokens: 640, now: 0.1))
    }

    @Test func onlineStepsAndStepsAlreadyBeingAbandonedAreLeftAlone() {
        let objective = ServiceLevelObjective(ttft: 0.1, tpot: 0.1)
        #expect(!rule.shouldPreempt(StepInFlight(start: 0, predictedSeconds: 2, preemptible: false),
                                    forArrivalWith: objective, promptTokens: 10, now: 0))
        #expect(!rule.shouldPreempt(StepInFlight(start: 0, predictedSeconds: 2, preemptible: true, preemptionRaisedAt: 0.01),
                                    forArrivalWith: objective, promptTokens: 10, now: 0.02))
        // Without a latency model nothing is predicted late.
        let blind = LayerPreemptionRule(latencyModel: nil, maxNumBatchedTokens: 64)
        #expect(!blind.shouldPreempt(StepInFlight(start: 0, predictedSeconds: 0, preemptible: true),
                                     forArrivalWith: objective, promptTokens: 10, now: 5))
    }

    @Test(arguments: SchedulingPolicy.allCases)
    func onlyConServeAbandonsSteps(policy: SchedulingPolicy) {
        let scheduler = Scheduler(SchedulerHarness.configuration(policy))
        #expect((scheduler.layerPreemption != nil) == (policy == .conserve))
    }
}
