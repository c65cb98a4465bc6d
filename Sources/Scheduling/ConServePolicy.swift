/// `conserve` (ConServe, arXiv 2410.01228): online and offline work co-served under the online
/// requests' latency objectives, by the three mechanisms of DESIGN §5.
///
/// 1. **SLO-aware token budget.** Each step, online tokens go in first: running online
///    requests, then waiting ones earliest TTFT deadline first. The step's time budget is the
///    smallest TPOT slack among decoding online requests (less a margin); the latency model
///    turns it into tokens (`chunkLimit`). Offline decodes and prefill chunks fill what is left
///    of it, and get nothing while an online request waits for its first token. With no online
///    load there is no time limit, and offline work runs at the static token budget.
/// 2. **Layer-wise preemption.** A plan with no online tokens is preemptible; `layerPreemption`
///    says when an online arrival abandons it between layers (`LayerPreemptionRule`).
/// 3. **Incremental checkpointing.** Running offline requests make room by pausing rather than
///    by recompute, and after each plan the newly full blocks of running offline requests are
///    queued for copy to the checkpoint tier (`Scheduler+Checkpointing.swift`).
final class ConServePolicy: Policy {
    /// The step-time model behind the budget; without one, `conserve` keeps the static budget.
    let latencyModel: (any StepTimePredictor)?
    /// Share of the TPOT objective kept back as a safety margin.
    let tpotMargin: Double
    /// An online prefill always gets at least this many tokens a step.
    let minOnlinePrefillChunk: Int
    let layerPreemption: LayerPreemptionRule?
    /// This step's time limits, set by `beginStep`.
    private(set) var budget = TimeBudget()

    var separatesClasses: Bool { true }
    var offlineEviction: PreemptionKind { .pause }

    init(_ configuration: SchedulerConfiguration) {
        latencyModel = configuration.latencyModel
        tpotMargin = configuration.tpotMargin
        minOnlinePrefillChunk = configuration.minOnlinePrefillChunk
        layerPreemption = LayerPreemptionRule(latencyModel: configuration.latencyModel,
                                              maxNumBatchedTokens: configuration.maxNumBatchedTokens)
    }

    /// The time limits on a step, in seconds: what it may take once it holds online tokens,
    /// and once it holds offline tokens.
    struct TimeBudget: Equatable {
        var online = Double.infinity
        var offline = Double.infinity
    }

    /// Waiting online requests by TTFT deadline, ahead of offline ones; then arrival.
    func queuedBefore(_ a: ScheduledRequest, _ b: ScheduledRequest) -> Bool {
        if a.isOnline != b.isOnline { return a.isOnline }
        if let da = a.ttftDeadline, let db = b.ttftDeadline, da != db { return da < db }
        return a.sequenceNumber < b.sequenceNumber
    }

    /// Running online requests first, then admission order.
    func runningOrder(_ running: [ScheduledRequest]) -> [ScheduledRequest] {
        running.sorted { a, b in
            if a.isOnline != b.isOnline { return a.isOnline }
            return a.sequenceNumber < b.sequenceNumber
        }
    }

    func beginStep(now: Double, scheduler: Scheduler) {
        budget = Self.timeBudget(now: now, running: scheduler.running, onlineWaiting: scheduler.waiting.contains { $0.isOnline },
                                 tpotMargin: tpotMargin, hasModel: latencyModel != nil)
    }

    /// While online requests decode, a step must fit the smallest TPOT slack among them (less
    /// the margin, and never more than one TPOT); online prefill chunks are sized to it too.
    /// While an online request waits for its first token, offline work gets none of the step.
    /// With no online load (or no latency model) there is no time limit.
    static func timeBudget(now: Double, running: [ScheduledRequest], onlineWaiting: Bool, tpotMargin: Double,
                           hasModel: Bool) -> TimeBudget {
        var budget = TimeBudget()
        guard hasModel else { return budget }
        var awaitingFirstToken = onlineWaiting
        for request in running {
            guard let slo = request.serviceClass.objective else { continue }
            guard let slack = request.tpotSlack(now: now) else {
                awaitingFirstToken = true
                continue
            }
            budget.online = min(budget.online, max(0, min(slack, slo.tpot) - tpotMargin * slo.tpot))
        }
        budget.offline = awaitingFirstToken ? 0 : budget.online
        return budget
    }

    /// The largest chunk the request's class budget leaves room for, by the latency model; an
    /// online request always gets a minimum chunk, so a prompt never starves behind decodes.
    func chunkLimit(for request: ScheduledRequest, tokens n: Int, step: StepFeatures) -> Int {
        let limit = request.isOnline ? budget.online : budget.offline
        guard limit.isFinite, let latencyModel else { return n }
        let fitting = latencyModel.maxTokens(fitting: limit, base: step, cachedTokens: request.numComputedTokens, limit: n)
        return request.isOnline ? max(fitting, min(n, minOnlinePrefillChunk)) : fitting
    }

    /// Copies the new full blocks of running offline requests to the checkpoint tier.
    func finishPlan(_ draft: inout Scheduler.PlanDraft, scheduler: Scheduler) {
        scheduler.planCheckpointSaves(into: &draft)
    }
}
