/// Decides, step by step, which tokens of which requests run, under a policy (DESIGN §4–§5).
///
/// Pure: no clock, threads, I/O or tensors. `schedule(now:)` returns a plan; the caller has an
/// `Executor` carry it out and hands the result to `update(_:with:now:)`. One owner calls it
/// from one thread.
public final class Scheduler {
    public let configuration: SchedulerConfiguration
    public var policy: SchedulingPolicy { configuration.policy }
    /// The policy's answers to the questions the step loop asks (`Policy`).
    let rules: any Policy
    public internal(set) var kv: KVCacheManager
    public internal(set) var checkpoints: CheckpointLedger
    public internal(set) var counters = SchedulerCounters()

    var requests: [RequestID: ScheduledRequest] = [:]
    /// Waiting, paused and preempted requests, in queue order (`queuedBefore`).
    var waiting: [ScheduledRequest] = []
    /// Admitted requests, in admission order.
    var running: [ScheduledRequest] = []
    var stepCount: UInt64 = 0
    var nextSequenceNumber: UInt64 = 0
    var pauseClock: UInt64 = 0
    /// Requests the executor knows of that left since the last plan: the next plan tells it.
    var retiredSinceLastPlan: [RequestID] = []
    /// The latency model as corrected from measured steps, when the configuration asks for it;
    /// `configuration.latencyModel` is then this same object.
    public let latencyCorrection: CorrectedLatencyModel?
    /// When the latest plan was made and what it held, to time the step when its result comes back.
    var planned: (time: Double, features: StepFeatures)?

    public init(_ configuration: SchedulerConfiguration) {
        precondition(configuration.maxNumBatchedTokens > 0 && configuration.maxNumSequences > 0 && configuration.maxLogitRows > 0)
        var configuration = configuration
        if configuration.correctsLatencyOnline, let model = configuration.latencyModel {
            let corrected = (model as? CorrectedLatencyModel) ?? CorrectedLatencyModel(base: model)
            configuration.latencyModel = corrected
            latencyCorrection = corrected
        } else {
            latencyCorrection = nil
        }
        self.configuration = configuration
        kv = KVCacheManager(blockCount: configuration.blockCount, blockSize: configuration.blockSize,
                            prefixCaching: configuration.prefixCaching)
        checkpoints = CheckpointLedger(slotCount: configuration.checkpointSlots)
        rules = configuration.policy.makeRules(configuration)
    }

    // MARK: - Requests in and out

    /// Queues a request. Rejects what could never run: an empty prompt, prompt plus
    /// `maxTokens` beyond the context or beyond the whole KV cache. With `wantsPromptLogits`,
    /// the chunks that run its prompt ask for the logits of every position (prompt
    /// log-probabilities), and it takes nothing from the prefix cache that it still has to score.
    /// `executorSettings` (sampling, for the model executor) travel to the executor untouched,
    /// in the first plan that runs the request.
    public func add(id: RequestID, serviceClass: ServiceClass, prompt: [Int32], stopRules: TokenStopRules,
                    wantsPromptLogits: Bool = false, executorSettings: (any Sendable)? = nil,
                    arrival: Double) throws(SchedulingError) {
        guard !prompt.isEmpty else { throw .emptyPrompt }
        guard stopRules.maxTokens >= 0 else { throw .invalidMaxTokens(stopRules.maxTokens) }
        guard requests[id] == nil else { throw .duplicateID(id) }
        let total = prompt.count + stopRules.maxTokens
        guard total <= configuration.maxModelLength else {
            throw .exceedsContext(promptTokens: prompt.count, maxTokens: stopRules.maxTokens, context: configuration.maxModelLength)
        }
        let capacity = configuration.blockCount * configuration.blockSize
        guard total <= capacity else { throw .exceedsKVCache(tokens: total, capacity: capacity) }
        let request = ScheduledRequest(id: id, serviceClass: serviceClass, prompt: prompt, stopRules: stopRules,
                                       wantsPromptLogits: wantsPromptLogits, executorSettings: executorSettings,
                                       arrival: arrival, sequenceNumber: nextSequenceNumber)
        nextSequenceNumber += 1
        requests[id] = request
        enqueue(request)
    }

    /// Drops a request wherever it is, freeing its KV blocks and checkpoint slots.
    @discardableResult
    public func cancel(_ id: RequestID) -> Bool {
        guard let request = requests[id] else { return false }
        retire(request, as: .cancelled)
        return true
    }

    /// Ends a request for a reason the scheduler cannot see (a stop string matched on text).
    @discardableResult
    public func finish(_ id: RequestID, reason: FinishReason) -> Bool {
        guard let request = requests[id] else { return false }
        retire(request, as: .finished(reason))
        return true
    }

    public func request(_ id: RequestID) -> ScheduledRequest? { requests[id] }

    public var hasWork: Bool { !running.isEmpty || !waiting.isEmpty }

    /// When an online arrival abandons the step in flight; nil when the policy never does.
    /// A value: the engine's submit path reads it on other threads.
    public var layerPreemption: LayerPreemptionRule? { rules.layerPreemption }
    public var numRequests: Int { requests.count }

    func retire(_ request: ScheduledRequest, as phase: RequestPhase) {
        rules.leftRunningSet(request, scheduler: self)
        let finished = if case .finished = phase { true } else { false }
        rules.retired(request, finished: finished)
        if let i = running.firstIndex(where: { $0 === request }) { running.remove(at: i) }
        if let i = waiting.firstIndex(where: { $0 === request }) { waiting.remove(at: i) }
        kv.free(request)
        dropCheckpoint(of: request)
        request.phase = phase
        requests[request.id] = nil
        if request.isKnownToExecutor { retiredSinceLastPlan.append(request.id) }
    }

    // MARK: - Queues

    func enqueue(_ request: ScheduledRequest) {
        var low = 0, high = waiting.count
        while low < high {
            let mid = (low + high) / 2
            if rules.queuedBefore(waiting[mid], request) { low = mid + 1 } else { high = mid }
        }
        waiting.insert(request, at: low)
    }

    /// Takes a running request out: by pause when `kind` is `.pause` and it has a checkpoint,
    /// else by recompute. Its KV blocks return to the pool at once.
    func preempt(_ request: ScheduledRequest, kind: PreemptionKind) {
        requeue(request, keepingCheckpoint: kind == .pause)
        counters.preemptions[request.phase == .paused ? .pause : .recompute, default: 0] += 1
    }

    /// Moves a running request back to the queue, paused when `keepingCheckpoint` and it has a
    /// checkpoint, else to be recomputed; its KV blocks return to the pool at once.
    func requeue(_ request: ScheduledRequest, keepingCheckpoint: Bool) {
        rules.leftRunningSet(request, scheduler: self)
        running.removeAll { $0 === request }
        if !(keepingCheckpoint && pause(request)) {
            dropCheckpoint(of: request)
            request.phase = .preempted
        }
        kv.free(request)
        enqueue(request)
    }

    // MARK: - Integrity

    /// Checks block and slot accounting against what the requests hold; nil when consistent.
    public func integrityViolation() -> String? {
        if let problem = kv.integrityViolation(holders: running) { return problem }
        if let problem = checkpoints.integrityViolation(holders: requests.values) { return problem }
        if let problem = rules.integrityViolation(scheduler: self) { return problem }
        for request in waiting where !request.blockTable.isEmpty {
            return "queued request \(request.id) holds \(request.blockTable.count) KV blocks"
        }
        guard running.count + waiting.count == requests.count else {
            return "\(requests.count) requests known, \(running.count) running and \(waiting.count) queued"
        }
        return nil
    }
}
