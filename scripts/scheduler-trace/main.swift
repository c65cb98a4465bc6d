// Prints every plan, token and counter the scheduler produces on seeded random workloads (all
// policies, 12 seeds each) driven by the tests' simulated executor. `scripts/scheduler-trace-diff.sh`
// builds it against two revisions of Sources/Scheduling and diffs the traces: a refactor that
// changes no decision prints the same lines.

import Foundation // links libm, which Scheduling's sqrt and ceil need outside the package
import TracedScheduling

func prompt(_ seed: Int, length: Int) -> [Int32] {
    (0 ..< length).map { Int32((seed * 7919 + $0 * 104_729) % 997) }
}

func describe(_ plan: SchedulerOutput) -> String {
    let chunks = plan.chunks.map { "\($0.requestID):\($0.startPosition)+\($0.numScheduledTokens)\($0.samples ? "s" : "")\($0.allLogits ? "a" : "")" }
    let restores = plan.restores.map { "\($0.block)<\($0.slot)" }
    let saves = plan.saves.map { "\($0.block)>\($0.slot)" }
    return "C[\(chunks.joined(separator: ","))] R[\(restores.joined(separator: ","))] S[\(saves.joined(separator: ","))] p=\(plan.preemptible) t=\(plan.predictedSeconds)"
}

for policy in SchedulingPolicy.allCases {
    for seed in 1 ... 12 as ClosedRange<UInt64> {
        var random = SplitMix64(state: seed &* 0x1234_5678 &+ UInt64(policy.rawValue.count))
        let blocks = Int.random(in: 16 ... 64, using: &random)
        let slots = policy == .conserve ? Int.random(in: 0 ... 40, using: &random) : 0
        let configuration = SchedulerConfiguration(policy: policy, blockCount: blocks, blockSize: 4, checkpointSlots: slots,
                                                   maxNumBatchedTokens: Int.random(in: 8 ... 48, using: &random),
                                                   maxNumSequences: Int.random(in: 2 ... 6, using: &random), maxModelLength: 256,
                                                   latencyModel: LinearStepTime())
        let scheduler = Scheduler(configuration)
        var executor = SimulatedKVExecutor(blockCount: blocks, blockSize: 4, checkpointSlots: slots)
        var layerRandom = SplitMix64(state: random.next())
        executor.preemptAfterLayer = { plan in
            plan.preemptible && Int.random(in: 0 ..< 6, using: &layerRandom) == 0 ? Int.random(in: 1 ..< 30, using: &layerRandom) : nil
        }
        if slots > 4 { executor.failingSlots = [Int32(Int.random(in: 0 ..< slots, using: &random))] }
        var now = 0.0
        var nextID: RequestID = 1
        print("== \(policy) seed \(seed)")
        func step() throws {
            let plan = scheduler.schedule(now: now)
            let result = try executor.execute(plan)
            now += 0.01 + 0.0005 * Double(plan.numScheduledTokens)
            let events = scheduler.update(plan, with: result, now: now)
            print(describe(plan), "|", events.tokens.map { "\($0.requestID)=\($0.token)\($0.finishReason.map { "/\($0)" } ?? "")" }.joined(separator: ","),
                  events.finishedWithoutToken.map { "\($0.0)" }.joined(separator: ","))
        }
        for _ in 0 ..< 500 {
            if Int.random(in: 0 ..< 3, using: &random) == 0 {
                let length = Int.random(in: 1 ... 60, using: &random)
                let maxTokens = Int.random(in: 0 ... 30, using: &random)
                let shareWith = Int.random(in: 0 ..< 4, using: &random)
                let p = prompt(shareWith == 0 ? Int(nextID) : shareWith, length: length) + [Int32(nextID % 997)]
                let online = Bool.random(using: &random)
                let serviceClass: ServiceClass = online ? .online(ServiceLevelObjective(ttft: 0.2, tpot: 0.03)) : .offline
                let logits = Int.random(in: 0 ..< 8, using: &random) == 0
                _ = try? scheduler.add(id: nextID, serviceClass: serviceClass, prompt: p, stopRules: TokenStopRules(maxTokens: maxTokens),
                                  wantsPromptLogits: logits, arrival: now)
                nextID += 1
            }
            if Int.random(in: 0 ..< 25, using: &random) == 0, nextID > 1 {
                _ = scheduler.cancel(RequestID.random(in: 1 ..< nextID, using: &random))
            }
            if Int.random(in: 0 ..< 30, using: &random) == 0, nextID > 1 {
                _ = scheduler.finish(RequestID.random(in: 1 ..< nextID, using: &random), reason: .stop)
            }
            if scheduler.hasWork { try step() }
            if let problem = scheduler.integrityViolation() { print("INTEGRITY", problem) }
        }
        var steps = 0
        while scheduler.hasWork, steps < 5000 { try step(); steps += 1 }
        let c = scheduler.counters
        print("counters steps=\(c.steps) pre=\(c.preemptions.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue)=\($0.value)" }) cached=\(c.prefixCachedTokens) restored=\(c.restoredTokens) recomputed=\(c.recomputedTokens) computed=\(c.computedTokens) evict=\(c.checkpointEvictions) failed=\(c.failedCheckpointSaves) loans=\(c.kvLoans)/\(c.kvLoanMoves)/\(c.kvLoanPreemptions) pred=\(scheduler.snapshot.prediction.count),\(scheduler.snapshot.prediction.coverage)")
    }
}
