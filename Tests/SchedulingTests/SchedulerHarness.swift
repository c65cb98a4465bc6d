import Scheduling
import Testing

/// Drives a scheduler with the simulated executor, one step per `step()`, on a fake clock.
struct SchedulerHarness {
    let scheduler: Scheduler
    var executor: SimulatedKVExecutor
    var now = 0.0
    var stepSeconds = 0.01
    private(set) var outputs: [RequestID: [Int32]] = [:]
    private(set) var finished: [RequestID: FinishReason] = [:]
    private(set) var plans: [SchedulerOutput] = []

    init(_ configuration: SchedulerConfiguration) {
        scheduler = Scheduler(configuration)
        executor = SimulatedKVExecutor(blockCount: configuration.blockCount, blockSize: configuration.blockSize,
                                       checkpointSlots: configuration.checkpointSlots)
    }

    static func configuration(_ policy: SchedulingPolicy, blocks: Int = 64, slots: Int = 0, batched: Int = 64,
                              sequences: Int = 8, context: Int = 2048) -> SchedulerConfiguration {
        SchedulerConfiguration(policy: policy, blockCount: blocks, blockSize: 4, checkpointSlots: slots,
                               maxNumBatchedTokens: batched, maxNumSequences: sequences, maxModelLength: context,
                               latencyModel: LinearStepTime())
    }

    mutating func add(_ id: RequestID, _ serviceClass: ServiceClass = .offline, prompt: [Int32], maxTokens: Int,
                      wantsPromptLogits: Bool = false) throws {
        try scheduler.add(id: id, serviceClass: serviceClass, prompt: prompt,
                          stopRules: TokenStopRules(maxTokens: maxTokens), wantsPromptLogits: wantsPromptLogits, arrival: now)
    }

    /// One schedule → execute → update round; returns the plan.
    @discardableResult
    mutating func step() throws -> SchedulerOutput {
        let plan = scheduler.schedule(now: now)
        plans.append(plan)
        let result = try executor.execute(plan)
        now += stepSeconds
        let events = scheduler.update(plan, with: result, now: now)
        for event in events.tokens {
            outputs[event.requestID, default: []].append(event.token)
            if let reason = event.finishReason { finished[event.requestID] = reason }
        }
        for (id, reason) in events.finishedWithoutToken { finished[id] = reason }
        return plan
    }

    /// Steps until the scheduler is idle; fails the test if it stops making progress.
    mutating func runUntilIdle(maxSteps: Int = 10_000) throws {
        var steps = 0
        while scheduler.hasWork {
            try step()
            steps += 1
            if steps > maxSteps { Issue.record("no progress after \(maxSteps) steps"); return }
        }
    }

    func expectClean(sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(executor.faults.isEmpty, "\(executor.faults.prefix(3))", sourceLocation: sourceLocation)
        #expect(scheduler.integrityViolation() == nil, "\(scheduler.integrityViolation() ?? "")", sourceLocation: sourceLocation)
        if !scheduler.hasWork {
            #expect(scheduler.kv.pool.freeCount == scheduler.kv.pool.blockCount, "blocks leaked", sourceLocation: sourceLocation)
            #expect(scheduler.checkpoints.freeCount == scheduler.checkpoints.slotCount, "checkpoint slots leaked",
                    sourceLocation: sourceLocation)
        }
    }
}

func prompt(_ seed: Int, length: Int) -> [Int32] {
    (0 ..< length).map { Int32((seed * 7919 + $0 * 104_729) % 997) }
}
