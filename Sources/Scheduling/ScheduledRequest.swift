public typealias RequestID = UInt64

/// What the scheduler knows of one request: its tokens, how far its KV is computed, the
/// blocks that hold it and the checkpoint slots that hold a copy.
///
/// Owned by one `Scheduler`; the counters follow vLLM's names. `numComputedTokens` catches up
/// to `numTokens`: chunked prefill, resuming after recompute and resuming after a restore are
/// the same path.
public final class ScheduledRequest {
    public let id: RequestID
    public let serviceClass: ServiceClass
    /// When it arrived, on the caller's clock (seconds).
    public let arrival: Double
    /// Admission order; ties in every queue are broken by it.
    let sequenceNumber: UInt64
    public let stopRules: TokenStopRules
    /// The caller wants each prompt token's log-probability: while the prompt runs, its chunks
    /// ask for the logits of every position.
    public let wantsPromptLogits: Bool

    /// Prompt followed by the output so far.
    public private(set) var tokens: [Int32]
    public let numPromptTokens: Int
    /// Positions whose KV is in this request's blocks (and valid).
    public internal(set) var numComputedTokens = 0
    /// Of those, how many came from the prefix cache at the last admission.
    public internal(set) var numCachedTokens = 0
    /// Highest `numComputedTokens` ever reached: recomputing below it is wasted work.
    public internal(set) var numEverComputedTokens = 0
    public internal(set) var phase: RequestPhase = .waiting

    /// KV blocks holding positions 0..<numComputedTokens (and slots for the step in flight).
    public internal(set) var blockTable: [Int32] = []
    /// Content keys of the leading full blocks already registered in the prefix cache.
    var blockKeys: [BlockKey] = []
    /// Checkpoint slots holding copies of blocks 0..<checkpointSlots.count, in order.
    public internal(set) var checkpointSlots: [Int32] = []

    /// Clock times of the first and the latest output token.
    public internal(set) var firstTokenTime: Double?
    public internal(set) var lastTokenTime: Double?
    /// When it last became paused (the oldest paused request loses its checkpoint first).
    var pausedAt: UInt64 = 0

    /// What the executor needs of it beyond tokens (sampling settings); opaque to the scheduler.
    public let executorSettings: (any Sendable)?
    /// A plan has introduced it to the executor, which keeps state for it until a plan says it left.
    var isKnownToExecutor = false

    init(id: RequestID, serviceClass: ServiceClass, prompt: [Int32], stopRules: TokenStopRules,
         wantsPromptLogits: Bool = false, executorSettings: (any Sendable)? = nil, arrival: Double, sequenceNumber: UInt64) {
        self.id = id
        self.serviceClass = serviceClass
        self.tokens = prompt
        self.numPromptTokens = prompt.count
        self.stopRules = stopRules
        self.wantsPromptLogits = wantsPromptLogits
        self.executorSettings = executorSettings
        self.arrival = arrival
        self.sequenceNumber = sequenceNumber
    }

    public var numTokens: Int { tokens.count }
    public var numOutputTokens: Int { tokens.count - numPromptTokens }
    public var outputTokens: ArraySlice<Int32> { tokens[numPromptTokens...] }
    /// Tokens still to run before the next sample.
    public var numRemainingTokens: Int { numTokens - numComputedTokens }
    public var isOnline: Bool { serviceClass.isOnline }
    /// Running one token per step.
    public var isDecoding: Bool { numOutputTokens > 0 && numRemainingTokens == 1 }
    /// A request that only scores its prompt.
    var samples: Bool { stopRules.maxTokens > 0 }

    /// Positions whose logits the caller still needs for prompt log-probabilities: the logits
    /// at position p score prompt token p + 1, so the last prompt position (which only predicts
    /// the first output token) is not among them, and neither is any position a completed step
    /// already ran (its log-probabilities went out then; a recompute must not send them twice).
    /// Nil when there are none.
    public var promptLogitsRange: Range<Int>? {
        guard wantsPromptLogits, numEverComputedTokens < numPromptTokens - 1 else { return nil }
        return numEverComputedTokens ..< numPromptTokens - 1
    }

    /// When its first token is due (online only).
    public var ttftDeadline: Double? { serviceClass.objective.map { arrival + $0.ttft } }

    /// Time left before the next token must come out for the mean TPOT to stay within its
    /// objective; `nil` for offline requests and before the first token.
    public func tpotSlack(now: Double) -> Double? {
        guard let slo = serviceClass.objective, let first = firstTokenTime else { return nil }
        return first + slo.tpot * Double(numOutputTokens) - now
    }

    func append(_ token: Int32, now: Double) {
        tokens.append(token)
        if firstTokenTime == nil { firstTokenTime = now }
        lastTokenTime = now
    }
}
