extension Scheduler {
    /// Applies what happened in a step (DESIGN §4 step 6): advances each chunk's request,
    /// appends sampled tokens, applies token stop rules, frees finished requests and
    /// registers newly full blocks in the prefix cache. A preempted step changes nothing but
    /// what the executor reports of checkpoints: failed saves are dropped, and requests whose
    /// restore failed go back to be recomputed.
    public func update(_ plan: SchedulerOutput, with result: StepResult, now: Double) -> SchedulerEvents {
        var events = SchedulerEvents()
        dropFailedCheckpoints(result.failedCheckpointSlots)
        recomputeAfterFailedRestores(result.failedRestores, plan: plan)
        guard case .completed(let samples) = result.outcome else {
            counters.preemptions[.layer, default: 0] += 1
            planned = nil
            return events
        }
        if let planned, let latencyCorrection {
            latencyCorrection.observe(planned.features, seconds: now - planned.time)
        }
        planned = nil
        for chunk in plan.chunks {
            guard let request = requests[chunk.requestID], request.phase == .running,
                  request.numComputedTokens == chunk.startPosition else { continue }
            let end = chunk.startPosition + chunk.numScheduledTokens
            counters.recomputedTokens += max(0, min(end, request.numEverComputedTokens) - chunk.startPosition)
            counters.computedTokens[request.serviceClass.isOnline ? 0 : 1] += chunk.numScheduledTokens
            request.numComputedTokens = end
            request.numEverComputedTokens = max(request.numEverComputedTokens, end)
            kv.cacheFullBlocks(request)
            if chunk.samples {
                guard let token = samples[request.id] else { continue }
                request.append(token, now: now)
                var reason = request.stopRules.finishReason(after: token, outputCount: request.numOutputTokens)
                if reason == nil, request.numTokens >= configuration.maxModelLength { reason = .length }
                events.tokens.append(.init(requestID: request.id, token: token, finishReason: reason))
                if let reason { retire(request, as: .finished(reason)) }
            } else if !request.samples, end == request.numTokens {
                events.finishedWithoutToken.append((request.id, .length))
                retire(request, as: .finished(.length))
            }
        }
        return events
    }
}

/// Running totals of what the scheduler did.
public struct SchedulerCounters: Sendable {
    public var steps = 0
    public var preemptions: [PreemptionKind: Int] = [:]
    /// Tokens whose KV came from the prefix cache at admission.
    public var prefixCachedTokens = 0
    /// Tokens whose KV was copied back from the checkpoint tier.
    public var restoredTokens = 0
    /// Tokens computed again after a preemption dropped their KV.
    public var recomputedTokens = 0
    /// Tokens computed, online and offline.
    public var computedTokens = [0, 0]
    /// Paused requests whose checkpoint was taken for newer saves.
    public var checkpointEvictions = 0
    public var failedCheckpointSaves = 0
    /// Checkpoint restores the executor could not complete (the request was recomputed).
    public var failedRestores = 0
    /// `ecoserve`: admissions into blocks lent by a longer request, loans moved to free blocks
    /// when the lender needed them, and borrowers preempted because no free blocks were left.
    public var kvLoans = 0
    public var kvLoanMoves = 0
    public var kvLoanPreemptions = 0

    public init() {}
}

/// A snapshot of the scheduler's queues and pools.
public struct SchedulerSnapshot: Sendable {
    public var waitingOnline = 0, waitingOffline = 0
    public var runningOnline = 0, runningOffline = 0
    public var paused = 0
    public var kvBlocksUsed = 0, kvBlocksFree = 0, kvBlocksCached = 0
    public var checkpointSlotsUsed = 0, checkpointSlotsFree = 0
    public var counters = SchedulerCounters()
    /// How well output lengths were predicted (`ecoserve` only).
    public var prediction = PredictionAccuracy()
    /// How well step times were predicted, per context range (when corrected online).
    public var latencyErrors: [LatencyErrorRange] = []

    public init() {}
}

extension Scheduler {
    public var snapshot: SchedulerSnapshot {
        var s = SchedulerSnapshot()
        for request in waiting {
            if request.isOnline { s.waitingOnline += 1 } else { s.waitingOffline += 1 }
            if request.phase == .paused { s.paused += 1 }
        }
        for request in running {
            if request.isOnline { s.runningOnline += 1 } else { s.runningOffline += 1 }
        }
        s.kvBlocksUsed = kv.pool.usedCount
        s.kvBlocksFree = kv.pool.freeCount
        s.kvBlocksCached = kv.pool.cachedCount
        s.checkpointSlotsUsed = checkpoints.usedCount
        s.checkpointSlotsFree = checkpoints.freeCount
        s.counters = counters
        s.latencyErrors = latencyCorrection?.errorsByContext ?? []
        rules.report(into: &s)
        return s
    }
}
