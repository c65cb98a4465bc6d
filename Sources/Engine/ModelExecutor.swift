import Grammar
import LlamaModel
import Scheduling

/// What the model executor needs of a request beyond its tokens, handed to the scheduler as the
/// request's `executorSettings` and back to the executor in the plan that first runs it.
public struct ModelRequestSettings: Sendable {
    public var sampling: SamplingParameters
    /// Alternatives wanted per sampled token; nil for no log-probabilities.
    public var topLogprobs: Int?
    /// Alternatives wanted per prompt position; nil for no prompt log-probabilities.
    public var promptLogprobs: Int?
    /// The grammar the output must match (constrained decoding); nil for free text.
    public var grammar: TokenGrammar?

    public init(sampling: SamplingParameters, topLogprobs: Int? = nil, promptLogprobs: Int? = nil, grammar: TokenGrammar? = nil) {
        self.sampling = sampling
        self.topLogprobs = topLogprobs
        self.promptLogprobs = promptLogprobs
        self.grammar = grammar
    }
}

/// Carries out the scheduler's plans on the model: checkpoint restores, the forward pass over
/// the batch (abandoned between layers when the preemption signal is raised), prompt
/// log-probabilities, sampling, and handing new KV blocks of offline requests to the
/// background checkpointer.
///
/// Its per-request state (samplers, what each request scores) comes and goes with the plans:
/// a request's `NewRequest` starts it, its id in `retiredRequestIDs` ends it. Lives on the
/// engine thread; only `preemption` is touched from other threads.
public final class ModelExecutor: Executor {
    public let forward: ForwardPass
    public let kv: KVPool
    public let checkpointer: Checkpointer?
    /// Checked between layers of a preemptible step; raised by whoever decides to preempt.
    public let preemption: PreemptionSignal
    private var batch = ForwardBatch()
    private var sampling: [RequestID: SamplingState] = [:]
    private var logprobScratch: [Float]
    /// Requests scoring their prompt: the prompt and the alternatives wanted per position.
    private var promptScoring: [RequestID: (prompt: [Int32], top: Int)] = [:]

    struct SamplingState {
        var sampler: Sampler
        /// Prompt and output so far, for the penalties.
        var history: [Int32]
        var topLogprobs: Int?
        /// Where a constrained request stands in its grammar.
        var grammar: GrammarCursor?
    }

    public init(forward: ForwardPass, kv: KVPool, checkpointer: Checkpointer?, preemption: PreemptionSignal = PreemptionSignal()) {
        self.forward = forward
        self.kv = kv
        self.checkpointer = checkpointer
        self.preemption = preemption
        logprobScratch = Array(repeating: 0, count: forward.config.vocabularySize)
    }

    public func execute(_ plan: SchedulerOutput) throws -> StepResult {
        for id in plan.retiredRequestIDs {
            sampling[id] = nil
            promptScoring[id] = nil
        }
        for new in plan.newRequests { start(new) }
        // Barrier: saves of the last step finish before this one restores or overwrites blocks.
        checkpointer?.waitUntilIdle()
        var result = StepResult(outcome: .completed(samples: [:]))
        result.failedCheckpointSlots = (checkpointer?.takeFailures().keys).map { $0.map(Int32.init) } ?? []
        result.failedRestores = restore(plan.restores)
        let failedRestores = Set(result.failedRestores)
        // The saved blocks were computed by earlier steps and this step does not write them,
        // so the copies run while it computes.
        let saves = plan.saves.filter { !failedRestores.contains($0.requestID) }
        if let checkpointer, !saves.isEmpty {
            checkpointer.enqueue(saves.map { (block: Int($0.block), slot: Int($0.slot)) })
        }
        // A request whose restore failed has no valid KV before its chunk: it sits this step out.
        let chunks = plan.chunks.filter { !failedRestores.contains($0.requestID) }
        guard !chunks.isEmpty else { return result }

        batch.removeAll()
        var rows: [(RequestID, Int)] = []
        var scoringChunks: [(chunk: ScheduledChunk, firstRow: Int)] = []
        for chunk in chunks {
            let scores = chunk.allLogits && promptScoring[chunk.requestID] != nil
            let row = batch.add(tokens: chunk.tokens, startPosition: chunk.startPosition, blockTable: chunk.blockTable,
                                logits: scores ? .all : chunk.samples ? .last : .none)
            if scores { scoringChunks.append((chunk, row)) }
            // With every position's logits, the chunk's last row is the one to sample from.
            if chunk.samples { rows.append((chunk.requestID, scores ? row + chunk.numScheduledTokens - 1 : row)) }
        }
        let outcome = try forward.run(batch, kv: kv, preemption: plan.preemptible ? preemption : nil)
        if case .preempted(let layer) = outcome {
            result.outcome = .preempted(afterLayer: layer)
            return result
        }
        // Before sampling, which may rewrite its rows in place (penalties, temperature).
        for (chunk, firstRow) in scoringChunks {
            if let scored = scorePrompt(chunk, firstRow: firstRow) { result.promptLogprobs[chunk.requestID] = scored }
        }
        var samples: [RequestID: Int32] = [:]
        for (id, row) in rows {
            let (token, logprob) = sample(id, logits: forward.logits(row: row))
            samples[id] = token
            if let logprob { result.logprobs[id] = logprob }
        }
        result.outcome = .completed(samples: samples)
        return result
    }

    /// Starts sampling state for a request. Settings other than `ModelRequestSettings` (or
    /// none) mean greedy decoding without log-probabilities.
    private func start(_ new: NewRequest) {
        let settings = new.settings as? ModelRequestSettings ?? ModelRequestSettings(sampling: .greedy)
        sampling[new.id] = SamplingState(sampler: Sampler(parameters: settings.sampling, vocabularySize: forward.config.vocabularySize),
                                         history: new.prompt, topLogprobs: settings.topLogprobs,
                                         grammar: settings.grammar.map(GrammarCursor.init))
        promptScoring[new.id] = settings.promptLogprobs.map { (new.prompt, $0) }
    }

    /// Copies checkpointed blocks back into the KV pool. A request whose copy fails (its
    /// checkpoint damaged or gone) gets no further copies; its id is returned so that the
    /// scheduler recomputes it. Other requests' restores go on.
    private func restore(_ restores: [BlockTransfer]) -> [RequestID] {
        guard let store = checkpointer?.store else { return Array(Set(restores.map(\.requestID))) }
        var failed: [RequestID] = []
        for restore in restores where !failed.contains(restore.requestID) {
            do {
                try store.restore(slot: Int(restore.slot), into: Int(restore.block), of: kv)
            } catch {
                failed.append(restore.requestID)
            }
        }
        return failed
    }

    /// Prompt log-probabilities from an `allLogits` chunk: the logits at position p score
    /// prompt token p + 1. The last prompt position scores nothing (its logits are the first
    /// output token's distribution), and the first prompt token's entry is the engine loop's.
    private func scorePrompt(_ chunk: ScheduledChunk, firstRow: Int) -> PromptLogprobs? {
        guard let scoring = promptScoring[chunk.requestID] else { return nil }
        var entries: [PromptTokenLogprob] = []
        for offset in 0 ..< chunk.numScheduledTokens {
            let next = chunk.startPosition + offset + 1
            guard next < scoring.prompt.count else { break }
            let logits = UnsafeBufferPointer(forward.logits(row: firstRow + offset))
            let token = scoring.prompt[next]
            let top = scoring.top > 0 ? Sampler.topLogprobs(logits, k: scoring.top).map { ($0.id, $0.logprob) } : []
            entries.append(PromptTokenLogprob(token: token, logprob: Sampler.logprob(of: token, in: logits), top: top))
        }
        return entries.isEmpty ? nil : PromptLogprobs(firstIndex: chunk.startPosition + 1, entries: entries)
    }

    private func sample(_ id: RequestID, logits: UnsafeMutableBufferPointer<Float>) -> (Int32, TokenLogprob?) {
        guard var state = sampling[id] else { return (Sampler.argmax(UnsafeBufferPointer(logits)), nil) }
        sampling[id] = nil // unique while mutated
        var top: [(token: Int32, logprob: Float)] = []
        if let k = state.topLogprobs {
            // Log-probabilities of the raw distribution (before penalties), as OpenAI reports them.
            logprobScratch.withUnsafeMutableBufferPointer { Sampler.logSoftmax(UnsafeBufferPointer(logits), into: $0) }
            if k > 0 { top = Sampler.topLogprobs(UnsafeBufferPointer(logits), k: k).map { ($0.id, $0.logprob) } }
        }
        let token: Int32
        if let cursor = state.grammar {
            // The mask comes from the grammar's cache after the first visit of each state.
            let allowed = cursor.allowedTokens()
            token = state.history.withUnsafeBufferPointer { history in
                allowed.words.withUnsafeBufferPointer { state.sampler.sample(logits: logits, history: history, allowed: $0) }
            }
            state.grammar!.accept(token)
        } else {
            token = state.history.withUnsafeBufferPointer { state.sampler.sample(logits: logits, history: $0) }
        }
        state.history.append(token)
        sampling[id] = state
        return (token, state.topLogprobs.map { _ in TokenLogprob(token: token, logprob: logprobScratch[Int(token)], top: top) })
    }
}
