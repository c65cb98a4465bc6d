extension Scheduler {
    /// The plan being built: chunks, the budget left, the step's features.
    struct PlanDraft {
        var output: SchedulerOutput
        var tokensLeft: Int
        var features = StepFeatures()
        /// Logits rows the executor can still compute this step.
        var logitRowsLeft: Int
        /// Chunk start, size and logits rows per request in the plan, so a later preemption can
        /// take it back.
        var scheduled: [RequestID: (start: Int, count: Int, logitRows: Int)] = [:]
    }

    /// Plans the next step (DESIGN §4 step 4).
    public func schedule(now: Double) -> SchedulerOutput {
        stepCount += 1
        var draft = PlanDraft(output: SchedulerOutput(step: stepCount), tokensLeft: configuration.maxNumBatchedTokens,
                              logitRowsLeft: configuration.maxLogitRows)
        let budget = timeBudget(now: now)

        if policy == .ecoserve { settleLoans() }
        // Running requests first, online ahead of offline (except under fcfs).
        let order = policy == .ecoserve ? ecoServeRunningOrder() : running.sorted { a, b in
            if policy.separatesClasses, a.isOnline != b.isOnline { return a.isOnline }
            return a.sequenceNumber < b.sequenceNumber
        }
        for request in order where request.phase == .running {
            guard draft.tokensLeft > 0 else { break }
            let n = chunkSize(for: request, draft: draft, budget: budget)
            guard n > 0 else { continue }
            guard makeRoom(for: request, positions: request.numComputedTokens + n, draft: &draft) else { continue }
            addChunk(request, count: n, to: &draft)
        }

        if policy == .ecoserve {
            ecoServeAdmitWaiting(into: &draft, now: now)
        } else {
            admitWaiting(into: &draft, budget: budget)
        }
        planCheckpointSaves(into: &draft)

        draft.output.preemptible = !draft.output.chunks.contains { $0.isOnline }
        draft.output.predictedSeconds = configuration.latencyModel?.predict(draft.features) ?? 0
        counters.steps += 1
        return draft.output
    }

    /// Tokens `request` gets this step: what it has left, within the token budget and, for
    /// `conserve`, within the time budget (online prefill always gets a minimum chunk), then
    /// within the logits rows left.
    func chunkSize(for request: ScheduledRequest, draft: PlanDraft, budget: TimeBudget) -> Int {
        let n = min(request.numRemainingTokens, draft.tokensLeft)
        let limit = request.isOnline ? budget.online : budget.offline
        guard policy == .conserve, limit.isFinite, let model = configuration.latencyModel else {
            return fittingLogitRows(request, count: n, draft: draft)
        }
        let fitting = model.maxTokens(fitting: limit, base: draft.features, cachedTokens: request.numComputedTokens, limit: n)
        let timed = request.isOnline ? max(fitting, min(n, configuration.minOnlinePrefillChunk)) : fitting
        return fittingLogitRows(request, count: timed, draft: draft)
    }

    /// Cuts a chunk of `n` tokens so the step's logits rows stay within the executor's capacity.
    ///
    /// A chunk scoring prompt positions takes a row per token, leaving one for every request
    /// that may still join the step, so prompt scoring never stops others from sampling (it
    /// gets at least one row itself when any is left). A request recomputing positions it
    /// already scored runs them without logits, stopping where scoring resumes, so that the
    /// scoring chunk starts exactly there. A chunk that samples takes one row; with none left
    /// it stops short of its last position.
    func fittingLogitRows(_ request: ScheduledRequest, count n: Int, draft: PlanDraft) -> Int {
        let start = request.numComputedTokens
        if let scoring = request.promptLogitsRange {
            if start < scoring.lowerBound { return min(n, scoring.lowerBound - start) }
            let seats = running.count + min(waiting.count, max(0, configuration.maxNumSequences - running.count))
            let others = max(0, seats - draft.output.chunks.count - 1)
            return min(n, max(draft.logitRowsLeft - others, min(1, draft.logitRowsLeft)))
        }
        let samples = start + n == request.numTokens && request.samples
        return samples && draft.logitRowsLeft == 0 ? n - 1 : n
    }

    /// `conserve`'s time limits on a step, in seconds: what the step may take once it holds
    /// online tokens, and once it holds offline tokens.
    struct TimeBudget {
        var online = Double.infinity
        var offline = Double.infinity
    }

    /// While online requests decode, a step must fit the smallest TPOT slack among them (less
    /// the margin, and never more than one TPOT); online prefill chunks are sized to it too.
    /// While an online request waits for its first token, offline work gets none of the step.
    /// With no online load there is no time limit: the token budget is the throughput-optimal
    /// step size.
    func timeBudget(now: Double) -> TimeBudget {
        var budget = TimeBudget()
        guard policy == .conserve, configuration.latencyModel != nil else { return budget }
        var awaitingFirstToken = waiting.contains { $0.isOnline }
        for request in running {
            guard let slo = request.serviceClass.objective else { continue }
            guard let slack = request.tpotSlack(now: now) else {
                awaitingFirstToken = true
                continue
            }
            budget.online = min(budget.online, max(0, min(slack, slo.tpot) - configuration.tpotMargin * slo.tpot))
        }
        budget.offline = awaitingFirstToken ? 0 : budget.online
        return budget
    }

    func addChunk(_ request: ScheduledRequest, count n: Int, to draft: inout PlanDraft) {
        let start = request.numComputedTokens
        let end = start + n
        let chunk = ScheduledChunk(
            requestID: request.id, tokens: request.tokens[start ..< end], startPosition: start,
            blockTable: request.blockTable, samples: end == request.numTokens && request.samples,
            isOnline: request.isOnline, allLogits: request.promptLogitsRange?.contains(start) ?? false)
        draft.output.chunks.append(chunk)
        draft.tokensLeft -= n
        draft.logitRowsLeft -= chunk.numLogitRows
        draft.features.add(newTokens: n, cachedTokens: start)
        draft.scheduled[request.id] = (start, n, chunk.numLogitRows)
    }

    /// Takes a request's chunk back out of the plan (it was preempted after being scheduled).
    func removeChunk(of request: ScheduledRequest, from draft: inout PlanDraft) {
        guard let removed = draft.scheduled.removeValue(forKey: request.id) else { return }
        draft.output.chunks.removeAll { $0.requestID == request.id }
        draft.tokensLeft += removed.count
        draft.logitRowsLeft += removed.logitRows
        var features = StepFeatures()
        for (_, chunk) in draft.scheduled { features.add(newTokens: chunk.count, cachedTokens: chunk.start) }
        draft.features = features
    }

    /// Grows `request`'s blocks to cover `positions`, preempting the lowest-priority running
    /// requests while the pool is short. False when `request` itself had to go.
    func makeRoom(for request: ScheduledRequest, positions: Int, draft: inout PlanDraft) -> Bool {
        while !kv.grow(request, toCover: positions) {
            guard let victim = victim(onlyOffline: false) else { return false }
            let kind: PreemptionKind = victim.isOnline ? .recompute : policy.offlineEviction
            removeChunk(of: victim, from: &draft)
            preempt(victim, kind: kind)
            if victim === request { return false }
        }
        return true
    }
}
