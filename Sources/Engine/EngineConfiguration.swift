import Scheduling

/// Everything the engine is started with; the CLI's engine flags map onto it one to one.
public struct EngineConfiguration: Sendable {
    /// Where checkpointed KV goes.
    public enum CheckpointTier: Sendable, Equatable {
        case none
        /// Host memory, this many bytes.
        case memory(bytes: Int)
        /// A file of this many bytes in a directory.
        case file(directory: String, bytes: Int)
    }

    public var policy: SchedulingPolicy = .conserve
    /// Bytes of KV cache (`--kv-cache-memory`).
    public var kvCacheBytes: Int = 1 << 30
    public var blockSize: Int = 16
    public var checkpoint: CheckpointTier = .memory(bytes: 512 << 20)
    /// Tokens per step at most (`--max-num-batched-tokens`).
    public var maxNumBatchedTokens: Int = 256
    /// Requests in a step at most (`--max-num-seqs`).
    public var maxNumSequences: Int = 32
    /// Positions per request; nil = the model's context length.
    public var maxModelLength: Int?
    public var prefixCaching: Bool = true
    /// Forward-pass threads.
    public var threads: Int = 1
    /// Server-wide objectives of online requests, overridable per request.
    public var defaultObjective = ServiceLevelObjective(ttft: 1.0, tpot: 0.1)
    /// `conserve`: share of the TPOT objective kept as a margin.
    public var tpotMargin: Double = 0.15
    /// `conserve`: layer-wise preemption of offline-only steps (off only for the ablation).
    public var layerPreemption = true
    /// `conserve`: correct the latency model from measured step times (`CorrectedLatencyModel`).
    public var correctsLatencyOnline = true

    public init() {}

    /// Checks values a user typed; the message says which flag is wrong.
    public func validationError() -> String? {
        if kvCacheBytes <= 0 { return "--kv-cache-memory must be positive" }
        if maxNumBatchedTokens < 1 { return "--max-num-batched-tokens must be at least 1" }
        if maxNumSequences < 1 { return "--max-num-seqs must be at least 1" }
        if threads < 1 { return "--threads must be at least 1" }
        if let m = maxModelLength, m < 1 { return "--max-model-len must be at least 1" }
        if defaultObjective.ttft <= 0 || defaultObjective.tpot <= 0 { return "--slo-ttft-ms and --slo-tpot-ms must be positive" }
        switch checkpoint {
        case .memory(let bytes) where bytes < 0, .file(_, let bytes) where bytes < 0:
            return "--checkpoint-memory must not be negative"
        default: return nil
        }
    }
}
