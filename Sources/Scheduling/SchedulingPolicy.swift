/// The scheduler's rules, by the name a user picks (DESIGN §2).
public enum SchedulingPolicy: String, Sendable, CaseIterable, Codable {
    /// One queue in arrival order, static token budget, chunked prefill: naive co-serving, the
    /// non-preemptive upper bound on throughput (it preempts only when KV runs out).
    case fcfs
    /// Online before offline, static budget; offline preempted by recompute when KV runs out
    /// or when the running set is full and an online request waits (what vLLM offers).
    case priority
    /// SLO-aware token budget, layer-wise preemption and incremental KV checkpointing.
    case conserve
    /// EcoServe (arXiv 2411.06364): generation tasks before prompt tasks each step, output
    /// lengths predicted online, KV reserved for prompt plus predicted output at admission and
    /// lent to short requests, waiting requests by SLO slack, KV held and predicted job size.
    case ecoserve

    /// The policy sizes its steps by a profiled latency model (`conserve`'s time budget), so the
    /// engine should load or build one before it starts. The rules themselves are one type per
    /// policy (`Policy`).
    public var needsLatencyModel: Bool {
        switch self {
        case .conserve: true
        case .fcfs, .priority, .ecoserve: false
        }
    }
}

/// Configuration of a `Scheduler`.
public struct SchedulerConfiguration: Sendable {
    public var policy: SchedulingPolicy
    /// KV blocks in the pool and positions per block.
    public var blockCount: Int
    public var blockSize: Int
    /// Checkpoint tier capacity in blocks; 0 disables checkpointing.
    public var checkpointSlots: Int
    /// Tokens per step at most (the static budget of `fcfs` and `priority`, the cap of `conserve`).
    public var maxNumBatchedTokens: Int
    /// Requests in the running set at most.
    public var maxNumSequences: Int
    /// Logits rows the executor computes per step at most. A chunk that samples takes one, a
    /// chunk scoring prompt positions one per token (see `ScheduledChunk.numLogitRows`). Keep it
    /// at least `maxNumSequences`, so every running request can sample in the same step.
    public var maxLogitRows: Int
    /// Positions per request at most (the model's context, or less).
    public var maxModelLength: Int
    public var prefixCaching: Bool
    /// `conserve`: the step-time model behind the time budget.
    public var latencyModel: (any StepTimePredictor)?
    /// `conserve`: share of the TPOT objective kept back as a safety margin.
    public var tpotMargin: Double
    /// `conserve`: an online prefill always gets at least this many tokens a step.
    public var minOnlinePrefillChunk: Int
    /// `conserve`: abandon offline-only steps between layers for online arrivals (off for the ablation).
    public var layerPreemption = true
    /// Correct the latency model from each completed step's measured time
    /// (`CorrectedLatencyModel`). Off by default so a scheduler driven by hand with made-up
    /// clocks plans from the model it was given; the engine turns it on.
    public var correctsLatencyOnline = false
    /// `ecoserve`: share of requests whose output should stay within its predicted length.
    public var predictionQuantile: Double = 0.9
    /// `ecoserve`: share of the KV pool admission never promises, from which requests that
    /// outgrow their reservation extend.
    public var kvReserveFraction: Double = 0.05

    public init(policy: SchedulingPolicy = .conserve, blockCount: Int, blockSize: Int = 16, checkpointSlots: Int = 0,
                maxNumBatchedTokens: Int = 256, maxNumSequences: Int = 64, maxLogitRows: Int = .max, maxModelLength: Int,
                prefixCaching: Bool = true, latencyModel: (any StepTimePredictor)? = nil,
                tpotMargin: Double = 0.15, minOnlinePrefillChunk: Int = 16) {
        self.policy = policy
        self.blockCount = blockCount
        self.blockSize = blockSize
        self.checkpointSlots = checkpointSlots
        self.maxNumBatchedTokens = maxNumBatchedTokens
        self.maxNumSequences = maxNumSequences
        self.maxLogitRows = maxLogitRows
        self.maxModelLength = maxModelLength
        self.prefixCaching = prefixCaching
        self.latencyModel = latencyModel
        self.tpotMargin = tpotMargin
        self.minOnlinePrefillChunk = minOnlinePrefillChunk
    }
}

/// Why a request cannot be accepted.
public enum SchedulingError: Error, Sendable, Equatable, CustomStringConvertible {
    case emptyPrompt
    case duplicateID(RequestID)
    case exceedsContext(promptTokens: Int, maxTokens: Int, context: Int)
    case exceedsKVCache(tokens: Int, capacity: Int)
    case invalidMaxTokens(Int)

    public var description: String {
        switch self {
        case .emptyPrompt: "the prompt is empty; send at least one token"
        case .duplicateID(let id): "request id \(id) is already in use"
        case .exceedsContext(let p, let m, let c):
            "the prompt (\(p) tokens) plus max_tokens (\(m)) exceeds the context of \(c) tokens; shorten the prompt or lower max_tokens"
        case .exceedsKVCache(let t, let c):
            "the request needs KV for \(t) tokens but the whole KV cache holds \(c); raise --kv-cache-memory or lower max_tokens"
        case .invalidMaxTokens(let m): "max_tokens must be at least 0, got \(m)"
        }
    }
}
