import Foundation
import LlamaModel
import Scheduling
import Tokenization

/// The engine as the rest of the program sees it: `submit` a request and read its tokens from
/// an async stream; `cancel` it; read `stats`. Safe to use from any thread or task.
public final class EngineHandle: Sendable {
    public let configuration: EngineConfiguration
    public let modelConfig: ModelConfig
    public let tokenizer: Tokenizer
    /// Positions per request (the context the engine serves).
    public let maxModelLength: Int
    /// KV capacity in tokens.
    public let kvCapacityTokens: Int
    private let loop: EngineLoop
    /// The background copier of checkpoints, stopped with the loop; its totals go into `stats()`.
    private let checkpointer: Checkpointer?

    /// Builds the KV pool, the checkpoint tier and the forward pass, and starts the step loop.
    /// `latencyModel` sizes `conserve`'s time budget; without one, `conserve` falls back to
    /// the static token budget.
    public init(model: LoadedModel, tokenizer: Tokenizer, configuration: EngineConfiguration,
                latencyModel: (any StepTimePredictor)?) throws {
        if let problem = configuration.validationError() { throw EngineError.invalidRequest(problem) }
        self.configuration = configuration
        modelConfig = model.config
        self.tokenizer = tokenizer
        let blockCount = KVPool.blockCount(fittingBytes: configuration.kvCacheBytes, config: model.config,
                                           blockSize: configuration.blockSize)
        guard blockCount > 0 else {
            throw EngineError.invalidRequest("--kv-cache-memory is smaller than one KV block; raise it")
        }
        maxModelLength = min(configuration.maxModelLength ?? model.config.contextLength, model.config.contextLength)
        kvCapacityTokens = blockCount * configuration.blockSize
        let kv = KVPool(config: model.config, blockCount: blockCount, blockSize: configuration.blockSize)
        let forward = try model.makeForwardPass(maxTokens: configuration.maxNumBatchedTokens,
                                                maxLogitRows: configuration.maxNumSequences, threads: configuration.threads)
        var checkpointer: Checkpointer?
        switch configuration.checkpoint {
        case .none: break
        case .memory(let bytes) where bytes >= kv.bytesPerBlock:
            checkpointer = Checkpointer(store: try MemoryCheckpointStore(budgetBytes: bytes, bytesPerSlot: kv.bytesPerBlock), kv: kv)
        case .file(let directory, let bytes) where bytes >= kv.bytesPerBlock:
            checkpointer = Checkpointer(store: try FileCheckpointStore(directory: directory, budgetBytes: bytes,
                                                                       bytesPerSlot: kv.bytesPerBlock), kv: kv)
        default: break
        }
        var schedulerConfiguration = SchedulerConfiguration(
            policy: configuration.policy, blockCount: blockCount, blockSize: configuration.blockSize,
            checkpointSlots: checkpointer?.store.slotCount ?? 0,
            maxNumBatchedTokens: configuration.maxNumBatchedTokens,
            maxNumSequences: min(configuration.maxNumSequences, forward.maxLogitRows), maxLogitRows: forward.maxLogitRows,
            maxModelLength: maxModelLength, prefixCaching: configuration.prefixCaching,
            latencyModel: latencyModel, tpotMargin: configuration.tpotMargin)
        schedulerConfiguration.layerPreemption = configuration.layerPreemption
        schedulerConfiguration.correctsLatencyOnline = configuration.correctsLatencyOnline
        let scheduler = Scheduler(schedulerConfiguration)
        let preemption = PreemptionSignal()
        self.checkpointer = checkpointer
        loop = EngineLoop(configuration: configuration, scheduler: scheduler,
                          executor: ModelExecutor(forward: forward, kv: kv, checkpointer: checkpointer, preemption: preemption),
                          preemption: preemption, tokenizer: tokenizer)
        loop.stats.withLock {
            $0.kvBlockBytes = kv.bytesPerBlock
            $0.checkpointCapacityBytes = checkpointer?.store.capacityBytes ?? 0
        }
        loop.start()
    }

    deinit { shutdown() }

    /// Queues a request; its events arrive on the returned stream, which ends after the event
    /// carrying the finish reason, or throws an `EngineError`. Throws at once for a request
    /// that could never run. Dropping the stream (a consumer that stops iterating) cancels it.
    public func submit(_ request: GenerationRequest) throws(EngineError) -> AsyncThrowingStream<TokenEvent, any Error> {
        try validate(request)
        let serviceClass: ServiceClass = switch request.serviceClass {
        case .online(let slo): .online(slo ?? configuration.defaultObjective)
        case .offline: .offline
        }
        let (stream, continuation) = AsyncThrowingStream<TokenEvent, any Error>.makeStream()
        let id = request.id
        continuation.onTermination = { [weak loop] termination in
            if case .cancelled = termination { loop?.postCancel(id) }
        }
        loop.post(EngineLoop.Arrival(request: request, serviceClass: serviceClass, arrival: loop.now,
                                     continuation: continuation))
        loop.considerPreempting(for: serviceClass, promptTokens: request.prompt.count)
        return stream
    }

    /// Stops a request; its stream ends with `EngineError.cancelled`. Unknown ids are ignored.
    public func cancel(_ id: RequestID) { loop.postCancel(id) }

    public func stats() -> EngineStats {
        var stats = loop.stats.withLock { $0 }
        if let checkpointer { stats.checkpoint = checkpointer.stats }
        return stats
    }

    /// Ends the step loop, then the checkpoint copier; running requests end with
    /// `EngineError.shutDown`.
    public func shutdown() {
        loop.stop()
        checkpointer?.stop()
    }

    private func validate(_ request: GenerationRequest) throws(EngineError) {
        guard !request.prompt.isEmpty else { throw .rejected(.emptyPrompt) }
        guard request.maxTokens >= 0 else { throw .rejected(.invalidMaxTokens(request.maxTokens)) }
        let total = request.prompt.count + request.maxTokens
        guard total <= maxModelLength else {
            throw .rejected(.exceedsContext(promptTokens: request.prompt.count, maxTokens: request.maxTokens, context: maxModelLength))
        }
        guard total <= kvCapacityTokens else { throw .rejected(.exceedsKVCache(tokens: total, capacity: kvCapacityTokens)) }
        if let bad = request.prompt.first(where: { $0 < 0 || Int($0) >= modelConfig.vocabularySize }) {
            throw .invalidRequest("token id \(bad) is outside the vocabulary of \(modelConfig.vocabularySize)")
        }
        if let problem = request.sampling.validationError() { throw .invalidRequest(problem) }
        guard request.minTokens >= 0 else { throw .invalidRequest("min_tokens must be at least 0, got \(request.minTokens)") }
        if let k = request.topLogprobs, !(0 ... 20).contains(k) {
            throw .invalidRequest("top_logprobs must be between 0 and 20, got \(k)")
        }
        if let k = request.promptLogprobs, !(0 ... 20).contains(k) {
            throw .invalidRequest("prompt logprobs must be between 0 and 20 alternatives, got \(k)")
        }
        do { _ = try StopStringMatcher(stopStrings: request.stopStrings) } catch { throw .invalidRequest(error.description) }
        if case .online(let slo?) = request.serviceClass, !(slo.ttft > 0 && slo.tpot > 0) {
            throw .invalidRequest("SLO objectives must be positive")
        }
    }
}
