import Scheduling

/// An executor for scheduler tests: a stand-in model whose "KV" at each position is a digest
/// of every token before it, stored in simulated blocks and checkpoint slots. The token it
/// samples is a function of that digest, so a request's output depends on every position of
/// its KV being present, in the right block, written in order. A wrong block table, a bad
/// restore or a block shared by mistake changes the tokens, just as it would on the model.
struct SimulatedKVExecutor: Executor {
    let blockSize: Int
    let vocabulary: Int32
    private(set) var blocks: [[UInt64?]]
    private(set) var slots: [[UInt64?]]
    /// Saves of the previous plan, done at the start of the next step as the real
    /// executor's barrier does.
    private var pendingSaves: [BlockTransfer] = []
    /// Problems seen (reads of unwritten KV); a test asserts it stays empty.
    private(set) var faults: [String] = []
    /// Called per step: return a layer to abandon the step after it, or nil to complete it.
    var preemptAfterLayer: (SchedulerOutput) -> Int? = { _ in nil }
    /// Slots whose save should fail.
    var failingSlots: Set<Int32> = []
    /// Slots whose restore should fail (a damaged checkpoint).
    var failingRestoreSlots: Set<Int32> = []
    private var failedSlots: [Int32] = []
    private(set) var executedSteps = 0

    init(blockCount: Int, blockSize: Int, checkpointSlots: Int, vocabulary: Int32 = 1000) {
        self.blockSize = blockSize
        self.vocabulary = vocabulary
        blocks = Array(repeating: Array(repeating: nil, count: blockSize), count: blockCount)
        slots = Array(repeating: Array(repeating: nil, count: blockSize), count: checkpointSlots)
    }

    static func digest(previous: UInt64, token: Int32, position: Int) -> UInt64 {
        var z = previous ^ (UInt64(UInt32(bitPattern: token)) << 20) ^ UInt64(position) &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    func token(after digest: UInt64) -> Int32 { Int32(digest % UInt64(vocabulary)) }

    /// The output the model gives `prompt` run alone, without any scheduler.
    func reference(prompt: [Int32], count: Int) -> [Int32] {
        var digest: UInt64 = 0
        var tokens = prompt
        var output: [Int32] = []
        for position in 0 ..< prompt.count + count - 1 {
            digest = Self.digest(previous: digest, token: tokens[position], position: position)
            if position >= prompt.count - 1 {
                let next = token(after: digest)
                output.append(next)
                tokens.append(next)
            }
        }
        return output
    }

    mutating func execute(_ plan: SchedulerOutput) throws -> StepResult {
        executedSteps += 1
        for save in pendingSaves {
            if failingSlots.contains(save.slot) { failedSlots.append(save.slot) } else { slots[Int(save.slot)] = blocks[Int(save.block)] }
        }
        pendingSaves = plan.saves
        // As the model executor: a request whose restore fails gets no more copies and sits
        // the step out; the copies that did happen leave whatever they left.
        var failedRestores: [RequestID] = []
        for restore in plan.restores where !failedRestores.contains(restore.requestID) {
            if failingRestoreSlots.contains(restore.slot) {
                failedRestores.append(restore.requestID)
                blocks[Int(restore.block)] = Array(repeating: 0xBAD, count: blockSize)
            } else {
                blocks[Int(restore.block)] = slots[Int(restore.slot)]
            }
        }
        let failures = failedSlots
        failedSlots = []
        let chunks = plan.chunks.filter { !failedRestores.contains($0.requestID) }
        if let layer = preemptAfterLayer(plan) {
            // A step abandoned midway leaves partial KV behind: garbage the redo must overwrite.
            for chunk in chunks {
                for (i, _) in chunk.tokens.enumerated() { write(chunk, position: chunk.startPosition + i, 0xDEAD) }
            }
            return StepResult(outcome: .preempted(afterLayer: layer), failedRestores: failedRestores, failedCheckpointSlots: failures)
        }
        var samples: [RequestID: Int32] = [:]
        for chunk in chunks {
            var digest: UInt64 = 0
            if chunk.startPosition > 0 {
                guard let previous = read(chunk, position: chunk.startPosition - 1) else {
                    faults.append("request \(chunk.requestID): no KV at position \(chunk.startPosition - 1)")
                    continue
                }
                digest = previous
            }
            for (i, token) in chunk.tokens.enumerated() {
                digest = Self.digest(previous: digest, token: token, position: chunk.startPosition + i)
                write(chunk, position: chunk.startPosition + i, digest)
            }
            if chunk.samples { samples[chunk.requestID] = token(after: digest) }
        }
        return StepResult(outcome: .completed(samples: samples), failedRestores: failedRestores, failedCheckpointSlots: failures)
    }

    private func read(_ chunk: ScheduledChunk, position: Int) -> UInt64? {
        let b = position / blockSize
        guard b < chunk.blockTable.count else { return nil }
        return blocks[Int(chunk.blockTable[b])][position % blockSize]
    }

    private mutating func write(_ chunk: ScheduledChunk, position: Int, _ value: UInt64) {
        let b = position / blockSize
        guard b < chunk.blockTable.count else {
            faults.append("request \(chunk.requestID): position \(position) beyond its block table")
            return
        }
        blocks[Int(chunk.blockTable[b])][position % blockSize] = value
    }
}

/// A step-time model for tests: a fixed cost plus a cost per token.
struct LinearStepTime: StepTimePredictor {
    var fixed = 0.010
    var perToken = 0.001
    func predict(_ features: StepFeatures) -> Double { fixed + perToken * features.tokens }
}

/// Deterministic random numbers for randomized workloads.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [-1, 1).
    mutating func symmetric() -> Double { Double(next() >> 11) / Double(1 << 52) - 1 }
}
