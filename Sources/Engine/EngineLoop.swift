import Foundation
import LlamaModel
import Scheduling
import Synchronization
import Tokenization

/// The step loop (DESIGN §4 step 3) on one dedicated thread, which never awaits: drain the
/// inbox → schedule → execute → update → publish events.
///
/// Other threads reach it only through the inbox (under `inboxLock`), the preemption signal,
/// and the published `stats` and `stepInFlight` (under their mutexes). It holds the executor
/// as `any Executor` and talks to it through plans and results only.
final class EngineLoop: @unchecked Sendable {
    struct Arrival {
        let request: GenerationRequest
        let serviceClass: ServiceClass
        let arrival: Double
        let continuation: AsyncThrowingStream<TokenEvent, any Error>.Continuation
    }

    struct Inbox {
        var arrivals: [Arrival] = []
        var cancels: [RequestID] = []
        var stopping = false
    }

    let configuration: EngineConfiguration
    let tokenizer: Tokenizer
    /// When an online arrival abandons the step in flight (the policy's; nil if it never does).
    let layerPreemption: LayerPreemptionRule?
    /// The flag the executor checks between the layers of a preemptible step.
    let preemption: PreemptionSignal
    let clock = ContinuousClock()
    let started: ContinuousClock.Instant
    private let inboxLock = NSCondition()
    private var inbox = Inbox() // guarded by inboxLock
    let stepInFlight = Mutex<StepInFlight?>(nil)
    let stats = Mutex(EngineStats())

    // Engine thread only.
    private let scheduler: Scheduler
    private var executor: any Executor
    private var outputs: [RequestID: RequestOutput] = [:]
    private var checkedSinceIdle = false
    private let finishedLock = NSCondition()
    private var threadStarted = false, finished = false // guarded by finishedLock

    init(configuration: EngineConfiguration, scheduler: Scheduler, executor: any Executor, preemption: PreemptionSignal,
         tokenizer: Tokenizer) {
        self.configuration = configuration
        self.scheduler = scheduler
        self.executor = executor
        self.preemption = preemption
        self.tokenizer = tokenizer
        layerPreemption = scheduler.layerPreemption
        started = clock.now
    }

    /// Seconds since the engine started: the scheduler's clock.
    var now: Double {
        (clock.now - started).inSeconds
    }

    /// Starts the thread. It holds the loop until `run` returns; nothing holds the thread,
    /// so a stopped engine is freed with its KV pool and forward pass.
    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "conserve-engine"
        thread.stackSize = 8 << 20
        finishedLock.withLock { threadStarted = true }
        thread.start()
    }

    func post(_ arrival: Arrival) {
        inboxLock.lock()
        let stopping = inbox.stopping
        if !stopping { inbox.arrivals.append(arrival) }
        inboxLock.signal()
        inboxLock.unlock()
        if stopping { arrival.continuation.finish(throwing: EngineError.shutDown) }
    }

    func postCancel(_ id: RequestID) {
        inboxLock.lock()
        inbox.cancels.append(id)
        inboxLock.signal()
        inboxLock.unlock()
    }

    /// Stops the loop; requests still running end with `EngineError.shutDown`. Waits for the thread.
    func stop() {
        inboxLock.lock()
        inbox.stopping = true
        inboxLock.signal()
        inboxLock.unlock()
        preemption.raise()
        finishedLock.lock()
        while threadStarted && !finished { finishedLock.wait() }
        finishedLock.unlock()
    }

    /// Raises the preemption flag when the policy's rule says the online request that just
    /// arrived would miss its TTFT by waiting for the step in flight.
    func considerPreempting(for serviceClass: ServiceClass, promptTokens: Int) {
        guard let rule = layerPreemption, let slo = serviceClass.objective else { return }
        let now = self.now
        let raise = stepInFlight.withLock { step -> Bool in
            guard let current = step, rule.shouldPreempt(current, forArrivalWith: slo, promptTokens: promptTokens, now: now) else {
                return false
            }
            step?.preemptionRaisedAt = now
            return true
        }
        if raise { preemption.raise() }
    }

    // MARK: - The loop

    private func run() {
        while true {
            inboxLock.lock()
            while inbox.arrivals.isEmpty, inbox.cancels.isEmpty, !inbox.stopping, !scheduler.hasWork {
                checkIntegrityWhenIdle()
                inboxLock.wait()
            }
            let taken = inbox
            inbox.arrivals.removeAll()
            inbox.cancels.removeAll()
            inboxLock.unlock()
            if taken.stopping { break }
            // Arrivals first: a request cancelled right after its submission has its cancel in
            // the same batch, and a cancel taken before its arrival would find nothing to stop,
            // leaving the request to run to its end with nobody reading it.
            for arrival in taken.arrivals { admit(arrival) }
            for id in taken.cancels { cancel(id) }
            // Raises so far were for requests now in the scheduler; the next plan accounts for them.
            preemption.clear()
            guard scheduler.hasWork else { continue }
            checkedSinceIdle = false
            step()
        }
        for (_, output) in outputs { output.continuation.finish(throwing: EngineError.shutDown) }
        outputs.removeAll()
        finishedLock.lock()
        finished = true
        finishedLock.broadcast()
        finishedLock.unlock()
    }

    private lazy var endOfGeneration = Set(tokenizer.endOfGenerationIDs)

    private func admit(_ arrival: Arrival) {
        let request = arrival.request
        do {
            let rules = TokenStopRules(maxTokens: request.maxTokens, minTokens: request.minTokens,
                                       endOfGeneration: endOfGeneration,
                                       ignoreEndOfGeneration: request.ignoreEOS, stopTokenIDs: request.stopTokenIDs)
            let settings = ModelRequestSettings(sampling: request.sampling, topLogprobs: request.topLogprobs,
                                                promptLogprobs: request.promptLogprobs, grammar: request.grammar)
            try scheduler.add(id: request.id, serviceClass: arrival.serviceClass, prompt: request.prompt,
                              stopRules: rules, wantsPromptLogits: request.promptLogprobs != nil,
                              executorSettings: settings, arrival: arrival.arrival)
        } catch {
            arrival.continuation.finish(throwing: EngineError.rejected(error))
            return
        }
        outputs[request.id] = RequestOutput(
            continuation: arrival.continuation, detokenizer: IncrementalDetokenizer(tokenizer: tokenizer),
            stopMatcher: request.stopStrings.isEmpty ? nil : try? StopStringMatcher(stopStrings: request.stopStrings),
            prompt: request.prompt, promptLogprobs: request.promptLogprobs != nil, isOnline: arrival.serviceClass.isOnline)
        outputs[request.id]?.arrival = arrival.arrival
    }

    private func cancel(_ id: RequestID) {
        guard scheduler.cancel(id) else { return }
        outputs.removeValue(forKey: id)?.continuation.finish(throwing: EngineError.cancelled)
    }

    private func step() {
        let plan = scheduler.schedule(now: now)
        for new in plan.newRequests {
            outputs[new.id]?.cachedTokens = new.numCachedTokens
            if outputs[new.id]?.queueSeconds == nil, let arrival = outputs[new.id]?.arrival {
                outputs[new.id]?.queueSeconds = now - arrival
            }
        }
        guard plan.hasWork else {
            // Nothing fits right now (all work waits on blocks); wait for an arrival or a cancel.
            inboxLock.lock()
            if inbox.arrivals.isEmpty, inbox.cancels.isEmpty, !inbox.stopping { _ = inboxLock.wait(until: Date().addingTimeInterval(0.005)) }
            inboxLock.unlock()
            return
        }
        let start = now
        stepInFlight.withLock { $0 = StepInFlight(start: start, predictedSeconds: plan.predictedSeconds, preemptible: plan.preemptible) }
        let result: StepResult
        do {
            result = try executor.execute(plan)
        } catch {
            stepInFlight.withLock { $0 = nil }
            fail(plan, error)
            return
        }
        let end = now
        let raisedAt = stepInFlight.withLock { step -> Double? in
            defer { step = nil }
            return step?.preemptionRaisedAt
        }
        let events = scheduler.update(plan, with: result, now: end)
        stats.withLock { stats in
            if case .preempted = result.outcome {
                stats.wastedSeconds += end - start
                if let raisedAt { stats.preemptionLatencies.append(end - raisedAt) }
                if stats.preemptionLatencies.count > 4096 { stats.preemptionLatencies.removeFirst(2048) }
            } else {
                stats.busySeconds += end - start
            }
        }
        if case .completed = result.outcome {
            for (id, scored) in result.promptLogprobs {
                outputs[id]?.receivePromptLogprobs(firstIndex: scored.firstIndex, scored.entries)
            }
        }
        publish(events, logprobs: result.logprobs)
        stats.withLock { $0.scheduler = scheduler.snapshot }
    }

    private func publish(_ events: SchedulerEvents, logprobs: [RequestID: TokenLogprob]) {
        for event in events.tokens {
            guard var output = outputs[event.requestID] else { continue }
            let (tokenEvent, stoppedByString) = output.event(for: event.token, finishReason: event.finishReason,
                                                             logprob: logprobs[event.requestID])
            if stoppedByString { scheduler.finish(event.requestID, reason: .stop) }
            output.continuation.yield(tokenEvent)
            if tokenEvent.finishReason != nil {
                close(event.requestID, output)
            } else {
                outputs[event.requestID] = output
            }
        }
        for (id, reason) in events.finishedWithoutToken {
            guard var output = outputs[id] else { continue }
            output.continuation.yield(output.finalEvent(reason))
            close(id, output)
        }
    }

    private func close(_ id: RequestID, _ output: RequestOutput) {
        output.continuation.finish()
        outputs[id] = nil
        let c = output.isOnline ? 0 : 1
        stats.withLock {
            $0.promptTokens[c] += output.promptTokens
            $0.generatedTokens[c] += output.completionTokens
            $0.finishedRequests[c] += 1
        }
    }

    private func fail(_ plan: SchedulerOutput, _ error: any Error) {
        for chunk in plan.chunks {
            scheduler.cancel(chunk.requestID)
            outputs.removeValue(forKey: chunk.requestID)?.continuation.finish(throwing: EngineError.executionFailed("\(error)"))
        }
    }

    private func checkIntegrityWhenIdle() {
        guard !checkedSinceIdle else { return }
        checkedSinceIdle = true
        if let problem = scheduler.integrityViolation() {
            stats.withLock { $0.integrityViolations.append(problem) }
        }
        stats.withLock { $0.scheduler = scheduler.snapshot }
    }
}
