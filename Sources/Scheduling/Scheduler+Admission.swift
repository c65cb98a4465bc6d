extension Scheduler {
    enum Admission { case admitted, noBudget, noBlocks }

    /// Admits queued requests in queue order while the step has room: the admission of every
    /// policy but `ecoserve`. An online request that finds the running set full or the pool
    /// short makes room by preempting offline work (by the policy's eviction). Stops at the
    /// first request that does not fit, so the queue order holds.
    func admitInQueueOrder(into draft: inout PlanDraft) {
        var index = 0
        while index < waiting.count, draft.tokensLeft > 0 {
            let request = waiting[index]
            let mayEvict = request.isOnline && rules.separatesClasses
            if running.count >= configuration.maxNumSequences {
                guard mayEvict, evictOffline(from: &draft) else { return }
                index = waiting.firstIndex { $0 === request }!
                continue
            }
            switch tryAdmit(request, draft: &draft) {
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

    /// Preempts the policy's offline victim (by the policy's eviction) to make room for online work.
    func evictOffline(from draft: inout PlanDraft) -> Bool {
        guard let victim = rules.victim(among: running, onlyOffline: true) else { return false }
        removeChunk(of: victim, from: &draft)
        preempt(victim, kind: rules.offlineEviction)
        return true
    }

    /// Starts (or resumes) `request`: reuses its cached prefix, restores its checkpointed
    /// blocks, and schedules its first chunk; undoes everything when it does not fit.
    func tryAdmit(_ request: ScheduledRequest, draft: inout PlanDraft) -> Admission {
        let hit = kv.cachedPrefix(of: request)
        let cachedTokens = kv.attachCachedPrefix(request, blocks: hit.blocks, keys: hit.keys)
        guard let restores = planRestores(of: request, after: hit.blocks.count) else {
            kv.free(request)
            return .noBlocks
        }
        let n = chunkSize(for: request, draft: draft)
        guard n > 0 else {
            kv.free(request)
            return .noBudget
        }
        guard kv.grow(request, toCover: request.numComputedTokens + n) else {
            kv.free(request)
            return .noBlocks
        }
        counters.prefixCachedTokens += cachedTokens
        counters.restoredTokens += restores.count * kv.blockSize
        request.phase = .running
        waiting.removeAll { $0 === request }
        running.append(request)
        draft.output.restores += restores
        addChunk(request, count: n, to: &draft)
        return .admitted
    }
}
