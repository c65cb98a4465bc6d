import Kernels

/// The Llama-family forward pass over a `ForwardBatch`, reading and writing a `KVPool`.
///
/// Every buffer is allocated once, for up to `maxTokens` tokens and `maxLogitRows` rows of
/// logits per step; `run` itself allocates nothing. Matmuls and attention are spread over
/// the thread pool; the small per-token stages run in token chunks on the same pool.
public final class ForwardPass: @unchecked Sendable {
    public let config: ModelConfig
    public let weights: ModelWeights
    public let maxTokens: Int
    public let maxLogitRows: Int
    public let pool: ThreadPool
    private let rope: RopeTable
    private let matmulTask = MatmulTask()
    private let attentionTask = AttentionTask()

    // Scratch, one row per token.
    private let x: UnsafeMutablePointer<Float>         // maxTokens × dim: the residual stream
    private let xb: UnsafeMutablePointer<Float>        // maxTokens × dim: normed input / projection output
    private let qkv: UnsafeMutablePointer<Float>       // maxTokens × (qDim + 2·kvDim)
    private let attention: UnsafeMutablePointer<Float> // maxTokens × qDim
    private let gateUp: UnsafeMutablePointer<Float>    // maxTokens × 2·ffnDim
    private let hidden: UnsafeMutablePointer<Float>    // maxTokens × ffnDim
    private let quantized: UnsafeMutableRawPointer     // maxTokens × the largest activation row
    private let quantizedRowBytes: Int
    private struct LayerJobs { var qkv, attnOutput, gateUp, down: FusedMatmul }
    private var layerJobs: [LayerJobs]
    private var outputJob: FusedMatmul
    private let clipped: UnsafeMutablePointer<Float>       // maxTokens × the largest matmul input, outlier channels zeroed
    private let outlierValues: UnsafeMutablePointer<Float> // maxTokens × outlierChannelCount
    /// Input channels per matmul computed in f32 (`OutlierChannels`); 0 turns them off.
    public let outlierChannelCount: Int
    /// While calibrating: per matmul, Σ|x| of each input channel.
    private var calibration: [ObjectIdentifier: UnsafeMutablePointer<Double>]?
    /// maxLogitRows × vocabularySize, valid after a completed `run`.
    public let logits: UnsafeMutablePointer<Float>

    private var qkvWidth: Int { config.qDim + 2 * config.kvDim }

    public init(config: ModelConfig, weights: ModelWeights, maxTokens: Int = 512, maxLogitRows: Int = 64, threads: Int,
                outlierChannels: Int = 16, calibrationCache: CalibrationCache? = nil) throws(ModelError) {
        guard maxTokens > 0, maxLogitRows > 0 else { throw .invalidShape("maxTokens and maxLogitRows must be positive") }
        self.config = config
        self.weights = weights
        self.maxTokens = maxTokens
        self.maxLogitRows = min(maxLogitRows, maxTokens)
        self.pool = ThreadPool(threads: threads)
        rope = RopeTable(layout: config.ropeLayout, rotaryDim: config.rotaryDim, freqBase: config.ropeFreqBase,
                         maxPositions: config.contextLength, frequencyFactors: weights.ropeFrequencyFactors,
                         positionScale: config.ropePositionScale)
        func floats(_ n: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: n)
            p.initialize(repeating: 0, count: n)
            return p
        }
        x = floats(maxTokens * config.dim)
        xb = floats(maxTokens * config.dim)
        qkv = floats(maxTokens * (config.qDim + 2 * config.kvDim))
        attention = floats(maxTokens * config.qDim)
        gateUp = floats(maxTokens * 2 * config.ffnDim)
        hidden = floats(maxTokens * config.ffnDim)
        logits = floats(self.maxLogitRows * config.vocabularySize)
        let allMatrices = [weights.output] + weights.layers.flatMap {
            [$0.attnQ, $0.attnK, $0.attnV, $0.attnOutput, $0.ffnGate, $0.ffnUp, $0.ffnDown]
        }
        quantizedRowBytes = allMatrices.map { $0.format.activationFormat.rowBytes($0.cols) }.max()!
        quantized = UnsafeMutableRawPointer.allocate(byteCount: maxTokens * quantizedRowBytes, alignment: 64)
        let n = pool.threadCount
        var jobs: [LayerJobs] = []
        for layer in weights.layers {
            jobs.append(LayerJobs(
                qkv: try FusedMatmul([(layer.attnQ, 0), (layer.attnK, config.qDim), (layer.attnV, config.qDim + config.kvDim)], threads: n),
                attnOutput: try FusedMatmul([(layer.attnOutput, 0)], threads: n),
                gateUp: try FusedMatmul([(layer.ffnGate, 0), (layer.ffnUp, config.ffnDim)], threads: n),
                down: try FusedMatmul([(layer.ffnDown, 0)], threads: n)))
        }
        layerJobs = jobs
        outputJob = try FusedMatmul([(weights.output, 0)], threads: n)
        outlierChannelCount = max(0, min(outlierChannels, config.dim))
        clipped = floats(maxTokens * max(config.dim, config.qDim, config.ffnDim))
        outlierValues = floats(maxTokens * max(outlierChannelCount, 1))
        if outlierChannelCount > 0 { try calibrate(cache: calibrationCache) }
    }

    /// Finds each matmul's outlier input channels: runs a fixed, seeded sequence of tokens
    /// through the model, ranks every matmul's input channels by mean magnitude, and keeps the
    /// largest `outlierChannelCount` (see `OutlierChannels`). Deterministic, so every run of
    /// the same model computes identically; `cache`, when given, keeps the result per model file.
    private func calibrate(cache: CalibrationCache?) throws(ModelError) {
        let tokenCount = min(64, maxTokens)
        var jobs = layerJobs.flatMap { [$0.qkv, $0.attnOutput, $0.gateUp, $0.down] } + [outputJob]
        let lists: [[Int32]]
        if let cached = cache?.load(tokens: tokenCount, channels: outlierChannelCount, inputWidths: jobs.map(\.k)) {
            lists = cached
        } else {
            lists = try rankChannels(jobs, tokenCount: tokenCount)
            cache?.save(tokens: tokenCount, channels: outlierChannelCount, lists: lists)
        }
        for i in jobs.indices { jobs[i].outliers = OutlierChannels(channels: lists[i], job: jobs[i]) }
        for l in layerJobs.indices {
            layerJobs[l] = LayerJobs(qkv: jobs[4 * l], attnOutput: jobs[4 * l + 1], gateUp: jobs[4 * l + 2], down: jobs[4 * l + 3])
        }
        outputJob = jobs[jobs.count - 1]
    }

    /// The calibration pass itself: per job, its `outlierChannelCount` input channels of largest
    /// mean magnitude over a fixed sequence of `tokenCount` tokens, ascending.
    private func rankChannels(_ jobs: [FusedMatmul], tokenCount: Int) throws(ModelError) -> [[Int32]] {
        var seed: UInt64 = 0x5EED
        var tokens: [Int32] = []
        for _ in 0 ..< tokenCount {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            tokens.append(Int32((seed >> 33) % UInt64(config.vocabularySize)))
        }
        var sums: [ObjectIdentifier: UnsafeMutablePointer<Double>] = [:]
        for job in jobs {
            let p = UnsafeMutablePointer<Double>.allocate(capacity: job.k)
            p.initialize(repeating: 0, count: job.k)
            sums[job.identity] = p
        }
        defer { for p in sums.values { p.deallocate() } }
        calibration = sums
        let kv = KVPool(config: config, blockCount: (tokenCount + 15) / 16)
        var batch = ForwardBatch()
        batch.add(tokens: tokens, startPosition: 0, blockTable: (0 ..< Int32(kv.blockCount)), logits: .last)
        try run(batch, kv: kv)
        calibration = nil
        return jobs.map { job in
            let sum = sums[job.identity]!
            let ranked = (0 ..< job.k).sorted { sum[$0] > sum[$1] || (sum[$0] == sum[$1] && $0 < $1) }
            return ranked.prefix(outlierChannelCount).sorted().map { Int32($0) }
        }
    }

    deinit {
        for p in [x, xb, qkv, attention, gateUp, hidden, logits, clipped, outlierValues] { p.deallocate() }
        quantized.deallocate()
    }

    /// The logits computed for row `row` of the last completed step.
    public func logits(row: Int) -> UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: logits + row * config.vocabularySize, count: config.vocabularySize)
    }

    /// Checks a batch against the capacity, the vocabulary and the KV pool before any work.
    public func validate(_ batch: ForwardBatch, kv: KVPool) throws(ModelError) {
        guard batch.tokenCount > 0 else { throw .invalidBatch("no tokens") }
        guard batch.tokenCount <= maxTokens else { throw .batchTooLarge(tokens: batch.tokenCount, capacity: maxTokens) }
        guard batch.logitCount <= maxLogitRows else { throw .invalidBatch("\(batch.logitCount) logits rows, capacity \(maxLogitRows)") }
        guard kv.layerCount == config.layerCount, kv.kvDim == config.kvDim else { throw .invalidBatch("KV pool shape does not match the model") }
        for token in batch.tokens where token < 0 || Int(token) >= config.vocabularySize {
            throw .invalidBatch("token id \(token) outside the vocabulary of \(config.vocabularySize)")
        }
        for s in 0 ..< batch.sequenceCount {
            let first = Int(batch.sequenceStarts[s]), count = Int(batch.sequenceCounts[s])
            guard count > 0 else { continue }
            let lastPosition = Int(batch.positions[first + count - 1])
            guard batch.positions[first] >= 0, lastPosition < rope.maxPositions else {
                throw .invalidBatch("positions up to \(lastPosition) exceed the context length \(rope.maxPositions)")
            }
            let needed = lastPosition / kv.blockSize + 1
            guard Int(batch.blockTableCounts[s]) >= needed else {
                throw .invalidBatch("sequence \(s) needs \(needed) KV blocks, its table has \(batch.blockTableCounts[s])")
            }
            let tableStart = Int(batch.blockTableStarts[s])
            for b in tableStart ..< tableStart + needed where batch.blockTables[b] < 0 || Int(batch.blockTables[b]) >= kv.blockCount {
                throw .invalidBatch("block id \(batch.blockTables[b]) outside the pool of \(kv.blockCount)")
            }
        }
    }

    /// Runs the batch through every layer, writing its keys and values into `kv` and, unless
    /// preempted, the logits of `batch.logitTokens` into `logits`.
    @discardableResult
    public func run(_ batch: ForwardBatch, kv: KVPool, preemption: PreemptionSignal? = nil) throws(ModelError) -> ForwardOutcome {
        try validate(batch, kv: kv)
        let c = config
        let T = batch.tokenCount
        let dim = c.dim, qDim = c.qDim, ffn = c.ffnDim, width = qkvWidth

        // Token embeddings: dequantize each token's row of token_embd into the residual stream.
        let embedding = weights.tokenEmbedding
        batch.tokens.withUnsafeBufferPointer { tokens in
            forEachTokenChunk(T) { range in
                for t in range {
                    MatmulKernels.dequantize(embedding.format, embedding.data + Int(tokens[t]) * embedding.rowBytes,
                                       into: x + t * dim, count: dim)
                }
            }
        }
        var outcome = ForwardOutcome.completed
        for (l, layer) in weights.layers.enumerated() {
            let jobs = layerJobs[l]
            // Attention: RMSNorm, then Q, K and V in one pass over the shared input.
            rmsNorm(x, layer.attnNorm, into: xb, tokens: T)
            matmul(jobs.qkv, input: xb, inputStride: dim, tokens: T, output: qkv, outputStride: width)

            // Biases (Qwen 2), RoPE on Q and K, and K/V written to each token's KV slot.
            storeKeysAndValues(layer: l, weights: layer, batch: batch, kv: kv)

            // Causal attention per (token, KV head) over the token's sequence.
            attend(layer: l, batch: batch, kv: kv)

            // Output projection and residual.
            matmul(jobs.attnOutput, input: attention, inputStride: qDim, tokens: T, output: xb, outputStride: dim)
            addResidual(xb, tokens: T)

            // Feed-forward: RMSNorm, gate and up together, SwiGLU, down, residual.
            rmsNorm(x, layer.ffnNorm, into: xb, tokens: T)
            matmul(jobs.gateUp, input: xb, inputStride: dim, tokens: T,
                   output: gateUp, outputStride: 2 * ffn)
            forEachTokenChunk(T) { range in
                for t in range {
                    TransformerKernels.siluMul(gate: gateUp + t * 2 * ffn, up: gateUp + t * 2 * ffn + ffn,
                                               into: hidden + t * ffn, count: ffn)
                }
            }
            matmul(jobs.down, input: hidden, inputStride: ffn, tokens: T, output: xb, outputStride: dim)
            addResidual(xb, tokens: T)

            // Layer-wise preemption: stop between layers; nothing of this step is committed.
            if let preemption, preemption.isRaised, l + 1 < weights.layers.count {
                outcome = .preempted(afterLayer: l + 1)
                break
            }
        }
        guard outcome == .completed else { return outcome }

        // Final norm and the output projection, only for the rows that want logits.
        let rows = batch.logitCount
        guard rows > 0 else { return .completed }
        batch.logitTokens.withUnsafeBufferPointer { logitTokens in
            for r in 0 ..< rows {
                TransformerKernels.rmsNorm(x + Int(logitTokens[r]) * dim, weight: weights.outputNorm,
                                           into: xb + r * dim, count: dim, epsilon: c.rmsEpsilon)
            }
        }
        matmul(outputJob, input: xb, inputStride: dim, tokens: rows, output: logits, outputStride: c.vocabularySize)
        return .completed
    }

    // MARK: - Stages

    private func rmsNorm(_ input: UnsafeMutablePointer<Float>, _ weight: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, tokens: Int) {
        let dim = config.dim, eps = config.rmsEpsilon
        forEachTokenChunk(tokens) { range in
            for t in range { TransformerKernels.rmsNorm(input + t * dim, weight: weight, into: out + t * dim, count: dim, epsilon: eps) }
        }
    }

    private func addResidual(_ delta: UnsafeMutablePointer<Float>, tokens: Int) {
        let dim = config.dim
        forEachTokenChunk(tokens) { range in
            for t in range { TransformerKernels.add(delta + t * dim, into: x + t * dim, count: dim) }
        }
    }

    private func storeKeysAndValues(layer l: Int, weights layer: LayerWeights, batch: ForwardBatch, kv: KVPool) {
        let c = config, width = qkvWidth, qDim = c.qDim, kvDim = c.kvDim, headDim = c.headDim
        batch.positions.withUnsafeBufferPointer { positions in
        batch.tokenSequence.withUnsafeBufferPointer { tokenSequence in
        batch.blockTables.withUnsafeBufferPointer { blockTables in
        batch.blockTableStarts.withUnsafeBufferPointer { tableStarts in
            forEachTokenChunk(batch.tokenCount) { range in
                for t in range {
                    let row = qkv + t * width
                    if let b = layer.biasQ { TransformerKernels.add(b, into: row, count: qDim) }
                    if let b = layer.biasK { TransformerKernels.add(b, into: row + qDim, count: kvDim) }
                    if let b = layer.biasV { TransformerKernels.add(b, into: row + qDim + kvDim, count: kvDim) }
                    let position = Int(positions[t])
                    rope.apply(row, heads: c.headCount, headDim: headDim, position: position)
                    rope.apply(row + qDim, heads: c.kvHeadCount, headDim: headDim, position: position)
                    let block = Int(blockTables[Int(tableStarts[Int(tokenSequence[t])]) + position / kv.blockSize])
                    let offset = kv.offset(block: block, layer: l, slot: position % kv.blockSize)
                    TransformerKernels.storeHalf(row + qDim, into: kv.keys + offset, count: kvDim)
                    TransformerKernels.storeHalf(row + qDim + kvDim, into: kv.values + offset, count: kvDim)
                }
            }
        }}}}
    }

    private func attend(layer l: Int, batch: ForwardBatch, kv: KVPool) {
        let kvHeads = config.kvHeadCount
        // Few tokens (decode): split each KV head's query group across tasks too, so both
        // threads have work; results are the same, each query head is computed on its own.
        let split = batch.tokenCount * kvHeads < 4 * pool.threadCount ? config.groupSize : 1
        let qkv = qkv, attention = attention
        batch.positions.withUnsafeBufferPointer { positions in
        batch.tokenSequence.withUnsafeBufferPointer { tokenSequence in
        batch.blockTables.withUnsafeBufferPointer { blockTables in
        batch.blockTableStarts.withUnsafeBufferPointer { tableStarts in
            let task = attentionTask
            task.set(config: config, kv: kv, layer: l, split: split, qkv: qkv, output: attention,
                     positions: positions.baseAddress!, tokenSequence: tokenSequence.baseAddress!,
                     blockTables: blockTables.baseAddress!, tableStarts: tableStarts.baseAddress!)
            pool.run(batch.tokenCount * kvHeads * split, task)
        }}}}
    }

    /// Quantizes `tokens` input rows for `job`'s activation format, then runs it.
    private func matmul(_ job: FusedMatmul, input: UnsafeMutablePointer<Float>, inputStride: Int,
                        tokens: Int, output: UnsafeMutablePointer<Float>, outputStride: Int) {
        let rowBytes = job.activationRowBytes, k = job.k, format = job.format, q = quantized
        if let sums = calibration?[job.identity] {
            for t in 0 ..< tokens { for i in 0 ..< k { sums[i] += Double(abs(input[t * inputStride + i])) } }
        }
        let clipped = clipped, values = outlierValues
        if let channels = job.outliers?.channels {
            // Outlier channels go to the f32 path; the rest is quantized without them.
            let n = channels.count
            forEachTokenChunk(tokens) { range in
                channels.withUnsafeBufferPointer { channels in
                    for t in range {
                        let row = clipped + t * k
                        row.update(from: input + t * inputStride, count: k)
                        for j in 0 ..< n {
                            let s = Int(channels[j])
                            values[t * n + j] = row[s]
                            row[s] = 0
                        }
                        MatmulKernels.quantizeActivations(row, k: k, for: format, into: q + t * rowBytes)
                    }
                }
            }
        } else {
            forEachTokenChunk(tokens) { range in
                for t in range { MatmulKernels.quantizeActivations(input + t * inputStride, k: k, for: format, into: q + t * rowBytes) }
            }
        }
        let task = matmulTask
        task.job = job
        task.activations = UnsafeRawPointer(q)
        task.tokens = tokens
        task.output = output
        task.outputStride = outputStride
        task.outlierValues = UnsafePointer(values)
        pool.run(job.taskCount, task)
        task.job = nil
    }

    /// Runs `body` over the token range on the calling thread. These stages (norms, RoPE,
    /// quantization) are a few percent of a step; running them inline keeps a step free of
    /// allocation, which handing a closure to other threads would cost.
    @inline(__always)
    private func forEachTokenChunk(_ tokens: Int, _ body: (Range<Int>) -> Void) {
        body(0 ..< tokens)
    }
}
