/// Incremental KV checkpointing (DESIGN §5), as the scheduler plans it. KV is append-only, so
/// after each step the newly full blocks of running offline requests are queued for copy to the
/// checkpoint tier; a request whose blocks are all saved can be paused at no cost (its KV
/// blocks return to the pool at once) and later resumes by copying them back. The copies
/// themselves are transfers in the plan that the executor carries out; this file decides which.
///
/// Failures never reach other requests: a failed save leaves the request with the copies before
/// it, and a failed restore turns the request into a recompute.
extension Scheduler {
    // MARK: - Saves

    /// Queues copies of the new full blocks of running offline requests to the checkpoint tier.
    /// When the tier is full, the oldest paused request gives up its copy (and will be
    /// recomputed).
    func planCheckpointSaves(into draft: inout PlanDraft) {
        guard checkpoints.isEnabled else { return }
        for request in running where !request.isOnline {
            let full = request.numComputedTokens / kv.blockSize
            while request.checkpointSlots.count < full {
                guard let slot = checkpoints.reserve() ?? reclaimOldestPausedCheckpoint() else { return }
                draft.output.saves.append(BlockTransfer(requestID: request.id, block: request.blockTable[request.checkpointSlots.count],
                                                        slot: slot))
                request.checkpointSlots.append(slot)
            }
        }
    }

    /// Turns the longest-paused request into a preempted one, freeing its checkpoint; returns
    /// one of the freed slots, reserved.
    private func reclaimOldestPausedCheckpoint() -> Int32? {
        guard let oldest = waiting.filter({ $0.phase == .paused }).min(by: { $0.pausedAt < $1.pausedAt }) else { return nil }
        dropCheckpoint(of: oldest)
        oldest.phase = .preempted
        counters.checkpointEvictions += 1
        return checkpoints.reserve()
    }

    /// A failed save leaves its slot unusable: the request keeps only the copies before it.
    func dropFailedCheckpoints(_ slots: [Int32]) {
        guard !slots.isEmpty else { return }
        let failed = Set(slots)
        for request in requests.values {
            guard let first = request.checkpointSlots.firstIndex(where: { failed.contains($0) }) else { continue }
            checkpoints.release(request.checkpointSlots[first...])
            request.checkpointSlots.removeSubrange(first...)
            counters.failedCheckpointSaves += 1
            if request.phase == .paused, request.checkpointSlots.isEmpty { request.phase = .preempted }
        }
    }

    // MARK: - Pause

    /// Pauses a request leaving the running set, when it has a checkpoint to resume from.
    /// False when it has none (the caller recomputes it instead).
    func pause(_ request: ScheduledRequest) -> Bool {
        guard !request.checkpointSlots.isEmpty else { return false }
        request.phase = .paused
        pauseClock += 1
        request.pausedAt = pauseClock
        return true
    }

    /// Gives a request's checkpoint slots back to the tier.
    func dropCheckpoint(of request: ScheduledRequest) {
        checkpoints.release(request.checkpointSlots)
        request.checkpointSlots = []
    }

    // MARK: - Restores

    /// For a paused request being admitted on `cachedBlocks` blocks from the prefix cache: the
    /// copies that bring back the rest of its checkpoint, into freshly allocated blocks, and
    /// its computed tokens moved past them. Empty for a request that is not paused; nil when
    /// the pool has too few blocks.
    func planRestores(of request: ScheduledRequest, after cachedBlocks: Int) -> [BlockTransfer]? {
        guard request.phase == .paused else { return [] }
        // Leave the last token to compute: the step that samples needs its logits.
        let restoreEnd = min(request.checkpointSlots.count, (request.numTokens - 1) / kv.blockSize)
        guard restoreEnd > cachedBlocks else { return [] }
        guard let blocks = kv.append(request, count: restoreEnd - cachedBlocks) else { return nil }
        request.numComputedTokens = restoreEnd * kv.blockSize
        return blocks.enumerated().map { i, block in
            BlockTransfer(requestID: request.id, block: block, slot: request.checkpointSlots[cachedBlocks + i])
        }
    }

    /// Requests whose restore failed in the executor (a damaged or vanished checkpoint): their
    /// chunk did not run, and their restored blocks hold nothing usable. Each drops its
    /// checkpoint and KV and goes back to the queue to be recomputed from its tokens; no other
    /// request is touched.
    func recomputeAfterFailedRestores(_ ids: [RequestID], plan: SchedulerOutput) {
        for id in Set(ids) {
            guard let request = requests[id], request.phase == .running else { continue }
            let planned = plan.restores.lazy.filter { $0.requestID == id }.count
            counters.restoredTokens -= planned * kv.blockSize
            counters.failedRestores += 1
            requeue(request, keepingCheckpoint: false)
        }
    }
}
