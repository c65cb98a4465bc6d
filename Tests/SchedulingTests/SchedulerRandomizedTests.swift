import Scheduling
import Testing

/// Randomized workloads on the simulated executor: arrivals of both classes, cancels, stop
/// strings ending requests early, layer preemptions, KV and checkpoint pressure. Every step
/// keeps the accounting consistent; at the end every block and slot is back, and every request
/// that ran to the end produced the tokens it produces alone.
@Suite struct SchedulerRandomizedTests {
    @Test(arguments: SchedulingPolicy.allCases, [1, 2, 3, 4] as [UInt64])
    func randomWorkloadLeaksNothing(policy: SchedulingPolicy, seed: UInt64) throws {
        var random = SplitMix64(state: seed &* 0x1234_5678 &+ UInt64(policy.rawValue.count))
        let blocks = Int.random(in: 24 ... 64, using: &random)
        let slots = policy == .conserve ? Int.random(in: 0 ... 40, using: &random) : 0
        var h = SchedulerHarness(SchedulerHarness.configuration(
            policy, blocks: blocks, slots: slots, batched: Int.random(in: 8 ... 48, using: &random),
            sequences: Int.random(in: 2 ... 6, using: &random), context: 256))
        let layerSeed = random.next()
        var layerRandom = SplitMix64(state: layerSeed)
        h.executor.preemptAfterLayer = { plan in
            plan.preemptible && Int.random(in: 0 ..< 6, using: &layerRandom) == 0 ? Int.random(in: 1 ..< 30, using: &layerRandom) : nil
        }
        if slots > 4 { h.executor.failingSlots = [Int32(Int.random(in: 0 ..< slots, using: &random))] }

        var expected: [RequestID: [Int32]] = [:]
        var cutShort: Set<RequestID> = []
        var nextID: RequestID = 1
        for _ in 0 ..< 400 {
            if Int.random(in: 0 ..< 3, using: &random) == 0 {
                let length = Int.random(in: 1 ... 60, using: &random)
                let maxTokens = Int.random(in: 0 ... 30, using: &random)
                let shareWith = Int.random(in: 0 ..< 4, using: &random) // shared prefixes hit the cache
                let p = prompt(shareWith == 0 ? Int(nextID) : shareWith, length: length) + [Int32(nextID % 997)]
                let serviceClass: ServiceClass = Bool.random(using: &random)
                    ? .online(ServiceLevelObjective(ttft: 0.2, tpot: 0.03)) : .offline
                try h.add(nextID, serviceClass, prompt: p, maxTokens: maxTokens)
                expected[nextID] = h.executor.reference(prompt: p, count: maxTokens)
                nextID += 1
            }
            if Int.random(in: 0 ..< 25, using: &random) == 0, nextID > 1 {
                let id = RequestID.random(in: 1 ..< nextID, using: &random)
                if h.scheduler.cancel(id) { cutShort.insert(id) }
            }
            if Int.random(in: 0 ..< 30, using: &random) == 0, nextID > 1 {
                let id = RequestID.random(in: 1 ..< nextID, using: &random)
                if h.scheduler.finish(id, reason: .stop) { cutShort.insert(id) }
            }
            if h.scheduler.hasWork { try h.step() }
            #expect(h.scheduler.integrityViolation() == nil, "\(h.scheduler.integrityViolation() ?? "")")
        }
        try h.runUntilIdle()
        h.expectClean()
        for (id, tokens) in expected where !cutShort.contains(id) {
            #expect(h.outputs[id, default: []] == tokens, "request \(id)")
        }
        for id in cutShort {
            let produced = h.outputs[id, default: []]
            #expect(Array(expected[id]!.prefix(produced.count)) == produced, "request \(id), cut short")
        }
    }
}
