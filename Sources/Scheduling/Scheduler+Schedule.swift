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

    /// Plans the next step (DESIGN §4 step 4): running requests first, in the policy's order,
    /// each with the chunk the policy allows; then admissions; then the policy's work after the
    /// plan (checkpoint saves). The plan also introduces requests running for the first time to
    /// the executor, and tells it which requests it knew have left.
    public func schedule(now: Double) -> SchedulerOutput {
        stepCount += 1
        var draft = PlanDraft(output: SchedulerOutput(step: stepCount), tokensLeft: configuration.maxNumBatchedTokens,
                              logitRowsLeft: configuration.maxLogitRows)
        rules.beginStep(now: now, scheduler: self)
        for request in rules.runningOrder(running) where request.phase == .running {
            guard draft.tokensLeft > 0 else { break }
            let n = chunkSize(for: request, draft: draft)
            guard n > 0 else { continue }
            guard makeRoom(for: request, positions: request.numComputedTokens + n, draft: &draft) else { continue }
            addChunk(request, count: n, to: &draft)
        }
        rules.admitWaiting(into: &draft, now: now, scheduler: self)
        rules.finishPlan(&draft, scheduler: self)

        draft.output.retiredRequestIDs = retiredSinceLastPlan
        retiredSinceLastPlan.removeAll()
        draft.output.preemptible = !draft.output.chunks.contains { $0.isOnline }
        draft.output.predictedSeconds = configuration.latencyModel?.predict(draft.features) ?? 0
        planned = (now, draft.features)
        counters.steps += 1
        return draft.output
    }

    /// Tokens `request` gets this step: what it has left, within the token budget and the
    /// policy's limit, then within the logits rows left.
    func chunkSize(for request: ScheduledRequest, draft: PlanDraft) -> Int {
        let n = min(request.numRemainingTokens, draft.tokensLeft)
        let allowed = rules.chunkLimit(for: request, tokens: n, step: draft.features)
        return fittingLogitRows(request, count: allowed, draft: draft)
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

    func addChunk(_ request: ScheduledRequest, count n: Int, to draft: inout PlanDraft) {
        let start = request.numComputedTokens
        let end = start + n
        let chunk = ScheduledChunk(
            requestID: request.id, tokens: request.tokens[start ..< end], startPosition: start,
            blockTable: request.blockTable, samples: end == request.numTokens && request.samples,
            isOnline: request.isOnline, allLogits: request.promptLogitsRange?.contains(start) ?? false)
        draft.output.chunks.append(chunk)
        if !request.isKnownToExecutor {
            request.isKnownToExecutor = true
            draft.output.newRequests.append(NewRequest(id: request.id, prompt: Array(request.tokens[..<request.numPromptTokens]),
                                                       numCachedTokens: request.numCachedTokens,
                                                       settings: request.executorSettings))
        }
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
            guard let victim = rules.victim(among: running, onlyOffline: false) else { return false }
            let kind: PreemptionKind = victim.isOnline ? .recompute : rules.offlineEviction
            removeChunk(of: victim, from: &draft)
            preempt(victim, kind: kind)
            if victim === request { return false }
        }
        return true
    }
}
