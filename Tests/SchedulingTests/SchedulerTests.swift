import Scheduling
import Testing

@Suite struct SchedulerTests {
    let slo = ServiceLevelObjective(ttft: 1.0, tpot: 0.05)

    @Test(arguments: SchedulingPolicy.allCases)
    func aloneThenChunkedPrefillThenDecodes(policy: SchedulingPolicy) throws {
        var h = SchedulerHarness(SchedulerHarness.configuration(policy, batched: 8))
        let p = prompt(1, length: 21)
        try h.add(1, prompt: p, maxTokens: 5)
        let first = try h.step()
        #expect(first.chunks.count == 1)
        #expect(first.chunks[0].numScheduledTokens == 8)
        #expect(first.chunks[0].samples == false)
        try h.runUntilIdle()
        #expect(h.outputs[1] == h.executor.reference(prompt: p, count: 5))
        #expect(h.finished[1] == .length)
        // 21 prompt tokens in chunks of 8 (3 steps), then 4 decodes.
        #expect(h.plans.count == 7)
        h.expectClean()
    }

    @Test(arguments: SchedulingPolicy.allCases)
    func batchedRequestsOfMixedLengthsMatchAlone(policy: SchedulingPolicy) throws {
        var h = SchedulerHarness(SchedulerHarness.configuration(policy, batched: 32))
        var expected: [RequestID: [Int32]] = [:]
        for id in 1 ... 6 as ClosedRange<RequestID> {
            let p = prompt(Int(id), length: 3 + Int(id) * 7)
            let serviceClass: ServiceClass = id % 2 == 0 ? .online(slo) : .offline
            try h.add(id, serviceClass, prompt: p, maxTokens: 4 + Int(id))
            expected[id] = h.executor.reference(prompt: p, count: 4 + Int(id))
        }
        try h.runUntilIdle()
        #expect(h.outputs == expected)
        h.expectClean()
    }

    @Test func tokenStopRules() throws {
        var h = SchedulerHarness(SchedulerHarness.configuration(.fcfs))
        let p = prompt(3, length: 10)
        let reference = h.executor.reference(prompt: p, count: 8)
        try h.scheduler.add(id: 1, serviceClass: .offline, prompt: p,
                            stopRules: TokenStopRules(maxTokens: 8, endOfGeneration: [reference[2]]), arrival: 0)
        try h.scheduler.add(id: 2, serviceClass: .offline, prompt: p,
                            stopRules: TokenStopRules(maxTokens: 8, minTokens: 4, endOfGeneration: [reference[2]]), arrival: 0)
        try h.scheduler.add(id: 3, serviceClass: .offline, prompt: p,
                            stopRules: TokenStopRules(maxTokens: 8, endOfGeneration: [reference[2]], ignoreEndOfGeneration: true,
                                                      stopTokenIDs: [reference[5]]), arrival: 0)
        try h.runUntilIdle()
        #expect(h.outputs[1] == Array(reference[...2]))
        #expect(h.finished[1] == .stop)
        let firstAfterMin = reference.indices.first { $0 >= 3 && reference[$0] == reference[2] }
        #expect(h.outputs[2] == Array(reference[...(firstAfterMin ?? 7)]))
        #expect(h.outputs[3] == Array(reference[...5]))
        #expect(h.finished[3] == .stop)
        h.expectClean()
    }

    @Test func promptOnlyRequestFinishesWithoutToken() throws {
        var h = SchedulerHarness(SchedulerHarness.configuration(.conserve, batched: 8))
        try h.add(1, prompt: prompt(4, length: 20), maxTokens: 0)
        try h.runUntilIdle()
        #expect(h.outputs[1] == nil)
        #expect(h.finished[1] == .length)
        #expect(h.plans.allSatisfy { $0.chunks.allSatisfy { !$0.samples } })
        h.expectClean()
    }

    @Test func rejectsWhatCouldNeverRun() throws {
        let s = Scheduler(SchedulerHarness.configuration(.fcfs, blocks: 8, context: 100))
        #expect(throws: SchedulingError.emptyPrompt) { try s.add(id: 1, serviceClass: .offline, prompt: [], stopRules: .init(maxTokens: 1), arrival: 0) }
        #expect(throws: SchedulingError.exceedsContext(promptTokens: 90, maxTokens: 20, context: 100)) {
            try s.add(id: 1, serviceClass: .offline, prompt: prompt(1, length: 90), stopRules: .init(maxTokens: 20), arrival: 0)
        }
        #expect(throws: SchedulingError.exceedsKVCache(tokens: 40, capacity: 32)) {
            try s.add(id: 1, serviceClass: .offline, prompt: prompt(1, length: 30), stopRules: .init(maxTokens: 10), arrival: 0)
        }
        try s.add(id: 1, serviceClass: .offline, prompt: prompt(1, length: 3), stopRules: .init(maxTokens: 1), arrival: 0)
        #expect(throws: SchedulingError.duplicateID(1)) {
            try s.add(id: 1, serviceClass: .offline, prompt: prompt(1, length: 3), stopRules: .init(maxTokens: 1), arrival: 0)
        }
    }

    @Test func cancelFreesEverything() throws {
        var h = SchedulerHarness(SchedulerHarness.configuration(.conserve, slots: 32))
        try h.add(1, prompt: prompt(1, length: 30), maxTokens: 50)
        try h.add(2, prompt: prompt(2, length: 30), maxTokens: 50)
        for _ in 0 ..< 5 { try h.step() }
        #expect(h.scheduler.kv.pool.usedCount > 0)
        #expect(h.scheduler.checkpoints.usedCount > 0)
        #expect(h.scheduler.cancel(1))
        #expect(h.scheduler.cancel(2))
        #expect(!h.scheduler.cancel(2))
        h.expectClean()
        #expect(!h.scheduler.hasWork)
    }
}
