extension Scheduler {
    enum Admission { case admitted, noBudget, noBlocks }

    /// Admits queued requests in queue order while the step has room. An online request that
    /// finds the running set full or the pool short makes room by preempting offline work
    /// (`priority`: recompute; `conserve`: pause). Stops at the first request that does not
    /// fit, so the queue order holds.
    func admitWaiting(into draft: inout PlanDraft, budget: TimeBudget) {
        var index = 0
        while index < waiting.count, draft.tokensLeft > 0 {
            let request = waiting[index]
            let mayEvict = request.isOnline && policy.separatesClasses
            if running.count >= configuration.maxNumSequences {
                guard mayEvict, evictOffline(from: &draft) else { return }
                index = waiting.firstIndex { $0 === request }!
                continue
            }
            switch tryAdmit(request, draft: &draft, budget: budget) {
            case .admitted:
                continue // it left the queue; the next one is at the same index
            case .noBudget:
                // Offline work out of time budget may still leave room for online requests,
                // which sort first, so nothing behind this one can fit either.
                return
            case .noBlocks:
                guard mayEvict, evictOffline(from: &draft) else { return }
                index = waiting.firstIndex { $0 === request }!
            }
        }
    }

    /// Preempts the youngest running offline request to make room for online work.
    func evictOffline(from draft: inout PlanDraft) -> Bool {
        guard let victim = victim(onlyOffline: true) else { return false }
        removeChunk(of: victim, from: &draft)
        preempt(victim, kind: policy.offlineEviction)
        return true
    }

    /// Starts (or resumes) `request`: reuses its cached prefix, restores its checkpointed
    /// blocks, and schedules its first chunk; undoes everything when it does not fit.
    func tryAdmit(_ request: ScheduledRequest, draft: inout PlanDraft, budget: TimeBudget) -> Admission {
        let blockSize = kv.blockSize
        let hit = kv.cachedPrefix(of: request)
        let cachedTokens = kv.attachCachedPrefix(request, blocks: hit.blocks, keys: hit.keys)
        var restores: [BlockTransfer] = []
        if request.phase == .paused {
            // Leave the last token to compute: the step that samples needs its logits.
            let restoreEnd = min(request.checkpointSlots.count, (request.numTokens - 1) / blockSize)
            if restoreEnd > hit.blocks.count {
                guard let blocks = kv.append(request, count: restoreEnd - hit.blocks.count) else {
                    kv.free(request)
                    return .noBlocks
                }
                for (i, block) in blocks.enumerated() {
                    restores.append(BlockTransfer(block: block, slot: request.checkpointSlots[hit.blocks.count + i]))
                }
                request.numComputedTokens = restoreEnd * blockSize
            }
        }
        let n = chunkSize(for: request, draft: draft, budget: budget)
        guard n > 0 else {
            kv.free(request)
            return .noBudget
        }
        guard kv.grow(request, toCover: request.numComputedTokens + n) else {
            kv.free(request)
            return .noBlocks
        }
        counters.prefixCachedTokens += cachedTokens
        counters.restoredTokens += restores.count * blockSize
        request.phase = .running
        waiting.removeAll { $0 === request }
        running.append(request)
        draft.output.restores += restores
        addChunk(request, count: n, to: &draft)
        return .admitted
    }

    /// `conserve`: queues copies of the new full blocks of running offline requests to the
    /// checkpoint tier. When the tier is full, the oldest paused request gives up its copy
    /// (and will be recomputed).
    func planCheckpointSaves(into draft: inout PlanDraft) {
        guard policy == .conserve, checkpoints.isEnabled else { return }
        for request in running where !request.isOnline {
            let full = request.numComputedTokens / kv.blockSize
            while request.checkpointSlots.count < full {
                guard let slot = checkpoints.reserve() ?? reclaimOldestPausedCheckpoint() else { return }
                draft.output.saves.append(BlockTransfer(block: request.blockTable[request.checkpointSlots.count], slot: slot))
                request.checkpointSlots.append(slot)
            }
        }
    }

    /// Turns the longest-paused request into a preempted one, freeing its checkpoint; returns
    /// one of the freed slots, reserved.
    private func reclaimOldestPausedCheckpoint() -> Int32? {
        guard let oldest = waiting.filter({ $0.phase == .paused }).min(by: { $0.pausedAt < $1.pausedAt }) else { return nil }
        checkpoints.release(oldest.checkpointSlots)
        oldest.checkpointSlots = []
        oldest.phase = .preempted
        counters.checkpointEvictions += 1
        return checkpoints.reserve()
    }
}
