/// `conserve` (ConServe, arXiv 2410.01228): online and offline work co-served under the online
/// requests' latency objectives, by the three mechanisms of DESIGN §5.
///
/// 1. **SLO-aware token budget.** Each step, online tokens go in first: running online
///    requests, then waiting ones earliest TTFT deadline first. The step's time budget is the
///    smallest TPOT slack among decoding online requests (less a margin); the latency model
///    turns it into tokens (`chunkLimit`). Offline decodes and prefill chunks fill what is left
///    of it, and get nothing while an online request is behind its objective. A waiting online
///    prompt whose TPOT-sized chunk would reach its first token too late gets the chunk its own
///    TTFT deadline needs. With no online load there is no time limit, and offline work runs
///    at the static token budget.
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
    /// The clock at `beginStep`: online prompts size their chunks by their own TTFT deadlines.
    private(set) var now = 0.0

    var separatesClasses: Bool { true }
    var offlineEviction: PreemptionKind { .pause }

    init(_ configuration: SchedulerConfiguration) {
        latencyModel = configuration.latencyModel
        tpotMargin = configuration.tpotMargin
        minOnlinePrefillChunk = configuration.minOnlinePrefillChunk
        layerPreemption = configuration.layerPreemption
            ? LayerPreemptionRule(latencyModel: configuration.latencyModel, maxNumBatchedTokens: configuration.maxNumBatchedTokens)
            : nil
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
        self.now = now
        budget = Self.timeBudget(now: now, running: scheduler.running, onlineWaiting: scheduler.waiting.contains { $0.isOnline },
                                 tpotMargin: tpotMargin, hasModel: latencyModel != nil)
    }

    /// While online requests decode, a step must fit the smallest TPOT slack among them (less
    /// the margin, and never more than one TPOT); online prefill chunks are sized to it too.
    /// Offline work gets none of the step while any online request is behind its objective:
    /// waiting for its first token, or decoding with less slack than the margin (its mean TPOT
    /// is about to go over). With no online load (or no latency model) there is no time limit.
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
        // `budget.online` is 0 exactly when some decode is within the margin of its TPOT; said
        // on its own so the rule does not hang on how the online limit is computed.
        let decodeBehind = budget.online <= 0
        budget.offline = awaitingFirstToken || decodeBehind ? 0 : budget.online
        return budget
    }

    /// The largest chunk the request's class budget leaves room for, by the latency model. An
    /// online prompt gets more when that is too little to reach its first token by its TTFT
    /// deadline (`deadlineChunk`), and always a minimum chunk, so it never starves behind decodes.
    func chunkLimit(for request: ScheduledRequest, tokens n: Int, step: StepFeatures) -> Int {
        let limit = request.isOnline ? budget.online : budget.offline
        guard limit.isFinite, let latencyModel else { return n }
        let fitting = latencyModel.maxTokens(fitting: limit, base: step, cachedTokens: request.numComputedTokens, limit: n)
        guard request.isOnline else { return fitting }
        let chunk = max(fitting, min(n, minOnlinePrefillChunk))
        guard chunk < n, request.firstTokenTime == nil, let deadline = request.ttftDeadline else { return chunk }
        return Self.deadlineChunk(remaining: request.numPromptTokens - request.numComputedTokens, cachedTokens: request.numComputedTokens,
                                  timeLeft: deadline - now, atLeast: chunk, limit: n, step: step, model: latencyModel)
    }

    /// The smallest chunk, from `atLeast` to `limit`, with which the `remaining` prompt tokens
    /// finish within `timeLeft`, taken in steps like this one (the same base, each with a chunk
    /// of that size); `limit` when none is predicted in time, since finishing the prompt sooner
    /// is then all that is left to do for it. Decodes beside it pay for a bigger chunk with a
    /// longer step, so it takes no more than the deadline needs.
    ///
    /// Time to finish is not monotone in the chunk (400 tokens in chunks of 50 take 8 steps, in
    /// chunks of 57 still 8, each longer), so it walks the step counts instead: for k steps the
    /// smallest chunk is ⌈remaining / k⌉, and fewer steps mean bigger chunks.
    static func deadlineChunk(remaining: Int, cachedTokens: Int, timeLeft: Double, atLeast least: Int, limit: Int,
                              step: StepFeatures, model: any StepTimePredictor) -> Int {
        let least = max(least, 1)
        guard remaining > 0, limit > least else { return least }
        var steps = (remaining + least - 1) / least
        while steps >= 1 {
            let chunk = (remaining + steps - 1) / steps
            if chunk > limit { break }
            if Double(steps) * model.predict(step.adding(newTokens: chunk, cachedTokens: cachedTokens)) <= timeLeft { return chunk }
            steps -= 1
        }
        return limit
    }

    /// Copies the new full blocks of running offline requests to the checkpoint tier.
    func finishPlan(_ draft: inout Scheduler.PlanDraft, scheduler: Scheduler) {
        scheduler.planCheckpointSaves(into: &draft)
    }
}
