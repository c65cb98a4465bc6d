import Scheduling

/// Runs the project's own `Scheduler` against the `SimulatedExecutor` on a virtual clock that
/// jumps from event to event: arrivals, step ends (which include restores on the checkpoint
/// link and abandonment at a safepoint), offline batch releases and the end of the window.
/// It mirrors `EngineLoop` and `LoadGenerator`: arrivals during a step are admitted after it
/// with their own arrival time; an online arrival during a preemptible step raises the
/// preemption signal when the policy's `LayerPreemptionRule` says so; offline jobs are kept
/// `offlineConcurrency` in flight and cut at the end of the window. Seeded and deterministic.
public struct Simulator {
    public var configuration: SchedulerConfiguration
    public let costModel: CostModel
    /// Honour the policy's layer preemption (off for the "budget only" ablation).
    public var layerPreemption = true
    public var stepNoise = 0.0
    public var seed: UInt64 = 0
    /// Check the scheduler's accounting after every step (tests; costly on large pools).
    public var checkIntegrity = false

    public init(configuration: SchedulerConfiguration, costModel: CostModel) {
        self.configuration = configuration
        self.costModel = costModel
    }

    public func run(_ workload: SimulatedWorkload) -> SimulationResult {
        var run = SimulationRun(simulator: self, workload: workload)
        return run.run()
    }
}

/// The state of one simulated run.
struct SimulationRun {
    let workload: SimulatedWorkload
    let scheduler: Scheduler
    var executor: SimulatedExecutor
    let layerPreemption: LayerPreemptionRule?
    let checkIntegrity: Bool
    let seed: UInt64

    var now = 0.0
    var nextOnline = 0
    var nextOffline = 0
    var offlineInFlight = 0
    var offlineCut = false
    var liveOnline = 0
    var records: [SimulatedRecord] = []
    var recordOf: [RequestID: Int] = [:]
    var nextID: RequestID = 1
    var countersAtDuration: SchedulerCounters?
    var kvUsage: [(time: Double, usedFraction: Double)] = []
    var nextSample = 0.0
    var violations: [String] = []
    var steps = 0

    init(simulator: Simulator, workload: SimulatedWorkload) {
        self.workload = workload
        scheduler = Scheduler(simulator.configuration)
        executor = SimulatedExecutor(costModel: simulator.costModel, stepNoise: simulator.stepNoise, seed: simulator.seed)
        layerPreemption = simulator.layerPreemption ? scheduler.layerPreemption : nil
        checkIntegrity = simulator.checkIntegrity
        seed = simulator.seed
    }

    mutating func run() -> SimulationResult {
        let end = workload.duration + workload.drainTimeout
        while now < end {
            admit()
            if now >= workload.duration { closeWindow() }
            if now >= workload.duration, nextOnline == workload.online.count, liveOnline == 0 { break }
            guard scheduler.hasWork else {
                guard let next = nextEvent() else { break }
                advance(to: next)
                continue
            }
            let plan = scheduler.schedule(now: now)
            guard plan.hasWork else {
                // Everything waits on KV blocks; only an arrival or the window's end changes that.
                guard let next = nextEvent() else { break }
                advance(to: next)
                continue
            }
            step(plan)
        }
        closeWindow()
        sampleKV(upTo: now)
        let idle = !scheduler.hasWork
        if idle { tellExecutorOfRetirements() }
        var result = SimulationResult(
            records: records, counters: scheduler.counters, countersAtDuration: countersAtDuration ?? scheduler.counters,
            kvUsage: kvUsage, integrityViolations: violations, steps: steps, busySeconds: executor.busySeconds,
            wastedSeconds: executor.wastedSeconds, endTime: now, preemptionLatencies: executor.preemptionLatencies,
            executorLeftovers: idle ? executor.knownRequests : 0,
            leakedBlocks: idle ? scheduler.kv.pool.usedCount : 0,
            leakedSlots: idle ? scheduler.checkpoints.slotCount - scheduler.checkpoints.freeCount : 0)
        result.latencyErrors = scheduler.latencyCorrection?.errorsByContext ?? []
        return result
    }

    // MARK: - Steps

    mutating func step(_ plan: SchedulerOutput) {
        executor.now = now
        let (end, preemptible) = executor.prepare(plan)
        if preemptible, let rule = layerPreemption {
            // The engine's submit path asks the rule at each online arrival during the step.
            let inFlight = StepInFlight(start: now, predictedSeconds: plan.predictedSeconds, preemptible: true)
            var index = nextOnline
            while index < workload.online.count, workload.online[index].arrival < end {
                let arrival = workload.online[index]
                if let objective = arrival.objective, arrival.arrival >= now,
                   rule.shouldPreempt(inFlight, forArrivalWith: objective, promptTokens: arrival.promptTokens, now: arrival.arrival) {
                    executor.preemptionSignal = arrival.arrival
                    break
                }
                index += 1
            }
        }
        let result: StepResult
        do { result = try executor.execute(plan) } catch { preconditionFailure("the simulated executor does not throw: \(error)") }
        now = executor.lastStep!.end
        steps += 1
        let events = scheduler.update(plan, with: result, now: now)
        for token in events.tokens {
            guard let index = recordOf[token.requestID] else { continue }
            records[index].tokenTimes.append(now)
            if token.finishReason != nil { finish(token.requestID) }
        }
        for (id, _) in events.finishedWithoutToken { finish(id) }
        if checkIntegrity, let problem = scheduler.integrityViolation() { violations.append("step \(plan.step): \(problem)") }
        sampleKV(upTo: now)
    }

    /// Retirements reach the executor in the next plan; at the end of a run there is none, so
    /// one last plan (with nothing to run) carries them, and the executor ends holding nothing.
    mutating func tellExecutorOfRetirements() {
        let plan = scheduler.schedule(now: now)
        guard plan.hasWork, plan.chunks.isEmpty else { return }
        executor.now = now
        _ = try? executor.execute(plan)
        _ = scheduler.update(plan, with: StepResult(outcome: .completed(samples: [:])), now: now)
    }

    mutating func finish(_ id: RequestID) {
        guard let index = recordOf.removeValue(forKey: id) else { return }
        records[index].finished = now
        if records[index].isOnline { liveOnline -= 1 } else { offlineInFlight -= 1 }
    }

    // MARK: - Arrivals

    /// Hands the scheduler every online request that has arrived, and offline jobs up to the
    /// concurrency while the window is open.
    mutating func admit() {
        while nextOnline < workload.online.count, workload.online[nextOnline].arrival <= now {
            let request = workload.online[nextOnline]
            nextOnline += 1
            submit(request, arrival: request.arrival, contentSeed: UInt64(nextOnline) << 32)
        }
        guard !workload.offline.isEmpty, !offlineCut, now < workload.duration else { return }
        while offlineInFlight < workload.offlineConcurrency, workload.offlineAvailable(nextOffline) <= now {
            let index = nextOffline % workload.offline.count
            nextOffline += 1
            // Prompts depend on the job, not the pass, so a job taken again hits the prefix cache as on the engine.
            // A rejected job is not retried at once (the load generator waits 100 ms), or a
            // corpus the engine rejects would spin here forever.
            guard submit(workload.offline[index], arrival: now, contentSeed: UInt64(index) | 1 << 63) else { break }
            offlineInFlight += 1
        }
    }

    @discardableResult
    mutating func submit(_ request: SimulatedRequest, arrival: Double, contentSeed: UInt64) -> Bool {
        let id = nextID
        nextID += 1
        var record = SimulatedRecord(isOnline: request.isOnline, sent: arrival, promptTokens: request.promptTokens,
                                     requestedOutputTokens: request.outputTokens)
        let stopRules = TokenStopRules(maxTokens: request.outputTokens, endOfGeneration: [SimulatedExecutor.endOfText])
        do {
            try scheduler.add(id: id, serviceClass: request.objective.map { .online($0) } ?? .offline,
                              prompt: Self.prompt(request.promptTokens, seed: contentSeed ^ seed), stopRules: stopRules,
                              executorSettings: SimulatedRequestSettings(outputTokens: request.outputTokens), arrival: arrival)
        } catch {
            record.error = error.description
            record.finished = arrival
            records.append(record)
            return false
        }
        recordOf[id] = records.count
        records.append(record)
        if request.isOnline { liveOnline += 1 }
        return true
    }

    /// Token ids standing for a prompt: distinct per seed (no false prefix-cache hits), never
    /// the end-of-text token.
    static func prompt(_ count: Int, seed: UInt64) -> [Int32] {
        var random = SplitMix(state: seed)
        return (0 ..< max(count, 1)).map { _ in Int32(100 + random.next() % 30_000) }
    }

    /// At the end of the window, offline jobs still running are cut, as the load generator
    /// cancels them; they keep what they produced.
    mutating func closeWindow() {
        guard !offlineCut, now >= workload.duration else { return }
        offlineCut = true
        countersAtDuration = scheduler.counters
        for (id, index) in recordOf where !records[index].isOnline {
            scheduler.cancel(id)
            recordOf[id] = nil
            offlineInFlight -= 1
        }
    }

    /// The next time something arrives or the window closes; nil when nothing ever will.
    func nextEvent() -> Double? {
        var next: Double?
        func consider(_ t: Double) { if t > now { next = min(next ?? t, t) } }
        if nextOnline < workload.online.count { consider(workload.online[nextOnline].arrival) }
        if !offlineCut {
            consider(workload.duration)
            if !workload.offline.isEmpty, offlineInFlight < workload.offlineConcurrency {
                consider(workload.offlineAvailable(nextOffline))
            }
        }
        return next
    }

    mutating func advance(to time: Double) {
        sampleKV(upTo: time)
        now = time
    }

    mutating func sampleKV(upTo time: Double) {
        let pool = scheduler.kv.pool
        while nextSample <= time, nextSample <= workload.duration {
            kvUsage.append((nextSample, Double(pool.usedCount) / Double(max(pool.blockCount, 1))))
            nextSample += 1
        }
    }
}
