import LlamaModel
import Scheduling

/// Carries out the scheduler's plans on the model: checkpoint restores, the forward pass over
/// the batch (abandoned between layers when the preemption signal is raised), prompt
/// log-probabilities, sampling, and handing new KV blocks of offline requests to the
/// background checkpointer.
///
/// Lives on the engine thread; only `signal` is touched from other threads.
public final class ModelExecutor: Executor {
    public let forward: ForwardPass
    public let kv: KVPool
    public let checkpointer: Checkpointer?
    public let signal = PreemptionSignal()
    private var batch = ForwardBatch()
    private var sampling: [RequestID: SamplingState] = [:]
    /// Log-probabilities of the tokens sampled in the last completed step, for requests that asked.
    public private(set) var logprobs: [RequestID: TokenLogprob] = [:]
    /// Prompt log-probabilities computed in the last completed step, for requests that asked:
    /// entries for prompt tokens `firstIndex...`, in order. A recomputed chunk may repeat
    /// entries sent before; the engine loop keeps the first of each.
    public private(set) var promptLogprobs: [RequestID: (firstIndex: Int, entries: [PromptTokenLogprob])] = [:]
    private var logprobScratch: [Float]
    /// Requests scoring their prompt: the prompt and the alternatives wanted per position.
    private var promptScoring: [RequestID: (prompt: [Int32], top: Int)] = [:]

    struct SamplingState {
        var sampler: Sampler
        /// Prompt and output so far, for the penalties.
        var history: [Int32]
        var topLogprobs: Int?
    }

    public init(forward: ForwardPass, kv: KVPool, checkpointer: Checkpointer?) {
        self.forward = forward
        self.kv = kv
        self.checkpointer = checkpointer
        logprobScratch = Array(repeating: 0, count: forward.config.vocabularySize)
    }

    /// Starts sampling state for a request; `parameters` must be valid. With `promptLogprobs`
    /// (alternatives per position), its `allLogits` chunks yield prompt log-probabilities.
    public func register(_ id: RequestID, prompt: [Int32], parameters: SamplingParameters, topLogprobs: Int?,
                         promptLogprobs: Int? = nil) {
        sampling[id] = SamplingState(sampler: Sampler(parameters: parameters, vocabularySize: forward.config.vocabularySize),
                                     history: prompt, topLogprobs: topLogprobs)
        promptScoring[id] = promptLogprobs.map { (prompt, $0) }
    }

    public func unregister(_ id: RequestID) {
        sampling[id] = nil
        promptScoring[id] = nil
    }

    public func execute(_ plan: SchedulerOutput) throws -> StepResult {
        logprobs.removeAll(keepingCapacity: true)
        promptLogprobs.removeAll(keepingCapacity: true)
        // Barrier: saves of the last step finish before this one restores or overwrites blocks.
        checkpointer?.waitUntilIdle()
        let failed = (checkpointer?.takeFailures().keys).map { $0.map(Int32.init) } ?? []
        if let store = checkpointer?.store {
            for restore in plan.restores {
                try store.restore(slot: Int(restore.slot), into: Int(restore.block), of: kv)
            }
        }
        guard !plan.chunks.isEmpty else { return StepResult(outcome: .completed(samples: [:]), failedCheckpointSlots: failed) }

        batch.removeAll()
        var rows: [(RequestID, Int)] = []
        var scoringChunks: [(chunk: ScheduledChunk, firstRow: Int)] = []
        for chunk in plan.chunks {
            let scores = chunk.allLogits && promptScoring[chunk.requestID] != nil
            let row = batch.add(tokens: chunk.tokens, startPosition: chunk.startPosition, blockTable: chunk.blockTable,
                                logits: scores ? .all : chunk.samples ? .last : .none)
            if scores { scoringChunks.append((chunk, row)) }
            // With every position's logits, the chunk's last row is the one to sample from.
            if chunk.samples { rows.append((chunk.requestID, scores ? row + chunk.numScheduledTokens - 1 : row)) }
        }
        // The saved blocks were computed by earlier steps and this step does not write them,
        // so the copies run while it computes.
        if let checkpointer, !plan.saves.isEmpty {
            checkpointer.enqueue(plan.saves.map { (block: Int($0.block), slot: Int($0.slot)) })
        }
        let outcome = try forward.run(batch, kv: kv, preemption: plan.preemptible ? signal : nil)
        if case .preempted(let layer) = outcome {
            return StepResult(outcome: .preempted(afterLayer: layer), failedCheckpointSlots: failed)
        }
        // Before sampling, which may rewrite its rows in place (penalties, temperature).
        for (chunk, firstRow) in scoringChunks { scorePrompt(chunk, firstRow: firstRow) }
        var samples: [RequestID: Int32] = [:]
        for (id, row) in rows {
            samples[id] = sample(id, logits: forward.logits(row: row))
        }
        return StepResult(outcome: .completed(samples: samples), failedCheckpointSlots: failed)
    }

    /// Prompt log-probabilities from an `allLogits` chunk: the logits at position p score
    /// prompt token p + 1. The last prompt position scores nothing (its logits are the first
    /// output token's distribution), and the first prompt token's entry is the engine loop's.
    private func scorePrompt(_ chunk: ScheduledChunk, firstRow: Int) {
        guard let scoring = promptScoring[chunk.requestID] else { return }
        var entries: [PromptTokenLogprob] = []
        for offset in 0 ..< chunk.numScheduledTokens {
            let next = chunk.startPosition + offset + 1
            guard next < scoring.prompt.count else { break }
            let logits = UnsafeBufferPointer(forward.logits(row: firstRow + offset))
            let token = scoring.prompt[next]
            let top = scoring.top > 0 ? Sampler.topLogprobs(logits, k: scoring.top).map { ($0.id, $0.logprob) } : []
            entries.append(PromptTokenLogprob(token: token, logprob: Sampler.logprob(of: token, in: logits), top: top))
        }
        if !entries.isEmpty { promptLogprobs[chunk.requestID] = (chunk.startPosition + 1, entries) }
    }

    private func sample(_ id: RequestID, logits: UnsafeMutableBufferPointer<Float>) -> Int32 {
        guard var state = sampling[id] else { return Sampler.argmax(UnsafeBufferPointer(logits)) }
        sampling[id] = nil // unique while mutated
        var top: [(token: Int32, logprob: Float)] = []
        if let k = state.topLogprobs {
            // Log-probabilities of the raw distribution (before penalties), as OpenAI reports them.
            logprobScratch.withUnsafeMutableBufferPointer { Sampler.logSoftmax(UnsafeBufferPointer(logits), into: $0) }
            if k > 0 { top = Sampler.topLogprobs(UnsafeBufferPointer(logits), k: k).map { ($0.id, $0.logprob) } }
        }
        let token = state.history.withUnsafeBufferPointer { state.sampler.sample(logits: logits, history: $0) }
        state.history.append(token)
        if state.topLogprobs != nil {
            logprobs[id] = TokenLogprob(token: token, logprob: logprobScratch[Int(token)], top: top)
        }
        sampling[id] = state
        return token
    }
}
