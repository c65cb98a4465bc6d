import Foundation

/// Turns one row of logits into one token id for one request.
///
/// The stages, in order:
/// 0. the logit bias, then the allowed-token mask of a constrained request (everything
///    outside it gets -infinity, so no later stage can bring it back);
/// 1. penalties over the window of `history` (repetition, then frequency and presence),
///    written into `logits`;
/// 2. temperature 0 → argmax (ties to the lowest id) and stop;
/// 3. temperature: every later stage sees the distribution softmax(logits / temperature);
/// 4. top-k, then top-p on the top-k distribution, then min-p (relative to the largest
///    probability, so its result does not depend on renormalization);
/// 5. a draw from what is left, renormalized.
///
/// Temperature comes before the filters (as in vLLM and the OpenAI API), so `topP` and `minP`
/// act on the distribution that is actually sampled.
///
/// The sampler owns scratch buffers sized to the vocabulary, allocated once in `init`; a call
/// to `sample` allocates nothing. Copies share the buffers until one of them samples, which
/// then takes its own (copy on write). NaN logits are treated as -infinity.
public struct Sampler: Sendable {
    public let parameters: SamplingParameters
    public let vocabularySize: Int
    private var generator: RandomGenerator
    private var scratch: SamplerScratch

    /// `parameters` must pass `validationError()`; validate user input before building a sampler.
    public init(parameters: SamplingParameters, vocabularySize: Int) {
        precondition(vocabularySize > 0, "vocabularySize must be positive")
        precondition(parameters.validationError() == nil, parameters.validationError() ?? "")
        self.parameters = parameters
        self.vocabularySize = vocabularySize
        self.generator = parameters.seed.map { RandomGenerator(seed: $0) } ?? RandomGenerator()
        self.scratch = SamplerScratch(capacity: vocabularySize)
    }

    /// Applies the stages above and draws one token. `history` is the prompt plus the ids
    /// generated so far; ids outside the vocabulary are ignored. `logits` (one per vocabulary
    /// entry) is left holding the penalized logits.
    public mutating func sample(
        logits: UnsafeMutableBufferPointer<Float>,
        history: UnsafeBufferPointer<Int32>,
        allowed: UnsafeBufferPointer<UInt64>? = nil
    ) -> Int32 {
        precondition(logits.count == vocabularySize, "logits must hold one value per vocabulary entry")
        applyLogitBias(logits: logits)
        if let allowed { Sampler.applyAllowedMask(allowed, to: logits) }
        applyPenalties(logits: logits, history: history)
        if parameters.temperature == 0 {
            return Sampler.argmax(UnsafeBufferPointer(logits))
        }
        let count = prepareCandidates(logits: logits)
        return draw(count: count)
    }

    // MARK: - Stages

    /// Stage 1. Counts each id in the window, then rewrites each distinct id's logit once.
    /// The counts are zeroed on the way, so the scratch is clean for the next call.
    mutating func applyPenalties(
        logits: UnsafeMutableBufferPointer<Float>,
        history: UnsafeBufferPointer<Int32>
    ) {
        guard parameters.hasPenalties, !history.isEmpty else { return }
        makeScratchUnique()
        let counts = scratch.counts
        let window = parameters.penaltyWindow
        let start = window < 0 ? 0 : max(0, history.count - window)
        let v = vocabularySize
        for i in start..<history.count {
            let id = Int(history[i])
            if id >= 0 && id < v { counts[id] += 1 }
        }
        let repetition = parameters.repetitionPenalty
        let frequency = parameters.frequencyPenalty
        let presence = parameters.presencePenalty
        for i in start..<history.count {
            let id = Int(history[i])
            guard id >= 0 && id < v else { continue }
            let count = counts[id]
            guard count > 0 else { continue }  // already rewritten
            counts[id] = 0
            var logit = logits[id]
            if repetition != 1 {
                logit = logit > 0 ? logit / repetition : logit * repetition
            }
            logit -= Float(count) * frequency + presence
            logits[id] = logit
        }
    }

    /// Stages 3–4. Leaves the surviving ids in `scratch.ids[0..<count]` and their unnormalized
    /// weights exp((logit - max) / temperature) in `scratch.weights[id]`; returns `count`.
    mutating func prepareCandidates(logits: UnsafeMutableBufferPointer<Float>) -> Int {
        makeScratchUnique()
        let ids = scratch.ids
        let weights = scratch.weights
        let v = vocabularySize

        var maxLogit = -Float.infinity
        for i in 0..<v {
            let logit = logits[i]
            if logit.isNaN {
                logits[i] = -.infinity
            } else if logit > maxLogit {
                maxLogit = logit
            }
        }
        guard maxLogit.isFinite else {
            // All -inf, or some +inf: nothing sensible to normalize; fall back to the argmax.
            ids[0] = Sampler.argmax(UnsafeBufferPointer(logits))
            weights[Int(ids[0])] = 1
            return 1
        }

        for i in 0..<v { ids[i] = Int32(truncatingIfNeeded: i) }
        var count = v
        let order = UnsafePointer(logits.baseAddress!)

        // top-k: partial selection, no sort.
        let topK = parameters.topK
        if topK > 0 && topK < count {
            SamplerSelection.select(ids, 0, count, topK, order)
            count = topK
        }

        // Weights; their total normalizes top-p over the top-k distribution.
        let invTemperature = 1 / parameters.temperature
        var total = 0.0
        for j in 0..<count {
            let id = Int(ids[j])
            let w = Foundation.exp((logits[id] - maxLogit) * invTemperature)
            weights[id] = w
            total += Double(w)
        }

        // min-p keeps a threshold prefix of the sorted order, so applying it before top-p's
        // scan (with top-p's total already fixed) gives the same set as applying it after,
        // and leaves top-p fewer candidates to sort. The max has weight exactly 1.
        let minP = parameters.minP
        if minP > 0 {
            var kept = 0
            for j in 0..<count where weights[Int(ids[j])] >= minP {
                ids[kept] = ids[j]
                kept += 1
            }
            count = kept
        }

        let topP = parameters.topP
        if topP < 1 {
            count = topPPrefix(count: count, target: Double(topP) * total, order: order)
        }
        return count
    }

    /// The length of the shortest prefix, in descending-logit order, of `ids[0..<count]` whose
    /// weights sum to `target`. Sorts only as much as it needs: it selects the best 64, sorts
    /// and scans them, then the next 3× as many, and so on.
    private func topPPrefix(count: Int, target: Double, order: UnsafePointer<Float>) -> Int {
        let ids = scratch.ids
        let weights = scratch.weights
        var sorted = 0
        var cumulative = 0.0
        while sorted < count {
            let end = min(count, max(64, sorted * 4))
            if end < count {
                SamplerSelection.select(ids, sorted, count, end - sorted, order)
            }
            SamplerSelection.sort(ids, sorted, end, order)
            for j in sorted..<end {
                cumulative += Double(weights[Int(ids[j])])
                if cumulative >= target { return j + 1 }
            }
            sorted = end
        }
        return count
    }

    /// Stage 5. Inverse-CDF draw over the candidates' weights.
    private mutating func draw(count: Int) -> Int32 {
        let ids = scratch.ids
        let weights = scratch.weights
        var total = 0.0
        for j in 0..<count { total += Double(weights[Int(ids[j])]) }
        let u = generator.nextUnitDouble() * total
        var cumulative = 0.0
        var lastPositive = ids[0]
        for j in 0..<count {
            let w = Double(weights[Int(ids[j])])
            guard w > 0 else { continue }
            cumulative += w
            lastPositive = ids[j]
            if u < cumulative { return ids[j] }
        }
        return lastPositive  // u rounded up to the total
    }

    /// The candidates `prepareCandidates` left, with their renormalized probabilities, in
    /// the order they lie in the scratch. For tests; allocates.
    func candidateProbabilities(count: Int) -> [(id: Int32, probability: Double)] {
        let ids = scratch.ids
        let weights = scratch.weights
        var total = 0.0
        for j in 0..<count { total += Double(weights[Int(ids[j])]) }
        return (0..<count).map { j in (id: ids[j], probability: Double(weights[Int(ids[j])]) / total) }
    }

    /// Index of the largest value; ties go to the lowest index, NaN never wins.
    public static func argmax(_ values: UnsafeBufferPointer<Float>) -> Int32 {
        var best = 0
        var bestValue = -Float.infinity
        for i in 0..<values.count where values[i] > bestValue {
            best = i
            bestValue = values[i]
        }
        return Int32(truncatingIfNeeded: best)
    }

    private mutating func makeScratchUnique() {
        if !isKnownUniquelyReferenced(&scratch) {
            scratch = SamplerScratch(capacity: vocabularySize)
        }
    }
}

/// Vocabulary-sized buffers for one sampler. `counts` is all zeros between calls; `ids` and
/// `weights` carry nothing from one call to the next, so a fresh one can replace a shared one.
final class SamplerScratch: @unchecked Sendable {
    let ids: UnsafeMutablePointer<Int32>
    let weights: UnsafeMutablePointer<Float>
    let counts: UnsafeMutablePointer<Int32>

    init(capacity: Int) {
        ids = .allocate(capacity: capacity)
        ids.initialize(repeating: 0, count: capacity)
        weights = .allocate(capacity: capacity)
        weights.initialize(repeating: 0, count: capacity)
        counts = .allocate(capacity: capacity)
        counts.initialize(repeating: 0, count: capacity)
    }

    deinit {
        ids.deallocate()
        weights.deallocate()
        counts.deallocate()
    }
}
