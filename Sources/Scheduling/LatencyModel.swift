/// Predicts how long one step takes from its token mix (DESIGN §5):
/// `T = a0 + a1·P + a2·Σ p_i·(c_i + p_i/2) + a3·Σ_decodes c_i + a4·N`, in seconds.
///
/// The coefficients come from `fit(_:)` on a profile of the machine (`LatencyProfiler` in
/// Engine). Fitted coefficients are never negative: a step never gets faster by adding
/// tokens, context or sequences, and that is what lets `maxTokens(fitting:...)` search.
public struct LatencyModel: Sendable, Codable, Hashable {
    /// a0: fixed cost of a step (reading the weights once, thread wake-ups), in seconds.
    public var perStep: Double
    /// a1: cost of each token in the step (the matmuls), in seconds.
    public var perToken: Double
    /// a2: cost of one unit of attention work, one new token attending to one position.
    public var perAttentionPosition: Double
    /// a3: extra cost of each cached position a decode reads (decodes read their KV alone,
    /// without the reuse a prefill chunk gets from attending many tokens to it at once).
    public var perDecodeContextPosition: Double
    /// a4: cost of each sequence in the step (its logits row, per-sequence bookkeeping).
    public var perSequence: Double

    /// The smallest time `predict` returns: a step is never free, and a negative or zero
    /// prediction would make budget arithmetic meaningless.
    public static let minimumPrediction = 1e-6

    public init(perStep: Double, perToken: Double, perAttentionPosition: Double,
                perDecodeContextPosition: Double, perSequence: Double) {
        self.perStep = perStep
        self.perToken = perToken
        self.perAttentionPosition = perAttentionPosition
        self.perDecodeContextPosition = perDecodeContextPosition
        self.perSequence = perSequence
    }

    /// Builds a model from coefficients in `StepFeatures.vector` order (a0…a4); nil unless
    /// there are exactly five, all finite.
    public init?(coefficients: [Double]) {
        guard coefficients.count == 5, coefficients.allSatisfy(\.isFinite) else { return nil }
        self.init(perStep: coefficients[0], perToken: coefficients[1], perAttentionPosition: coefficients[2],
                  perDecodeContextPosition: coefficients[3], perSequence: coefficients[4])
    }

    /// The coefficients in `StepFeatures.vector` order: a0, a1, a2, a3, a4.
    public var coefficients: [Double] {
        [perStep, perToken, perAttentionPosition, perDecodeContextPosition, perSequence]
    }

    /// Predicted seconds for a step with these features; at least `minimumPrediction`.
    public func predict(_ features: StepFeatures) -> Double {
        let raw = perStep + perToken * features.tokens + perAttentionPosition * features.attention
            + perDecodeContextPosition * features.decodeContext + perSequence * features.sequences
        // `max` would pass a NaN through from a hand-built model; this comparison does not.
        return raw > Self.minimumPrediction ? raw : Self.minimumPrediction
    }

    /// The largest chunk `p` in `0...limit` of one sequence holding `cachedTokens` positions
    /// such that the step `base` plus that chunk is predicted to take at most `budget` seconds.
    /// Returns 0 when not even one token fits (or `limit` is not positive).
    ///
    /// For p ≥ 2 the prediction is `const + a1·p + a2·p·(c + p/2)` with non-negative
    /// coefficients, so it grows with p and a binary search finds the boundary. p = 1 is a
    /// decode and also pays a3·c, so it can cost more than p = 2; it is checked on its own,
    /// only when no p ≥ 2 fits.
    public func maxTokens(fitting budget: Double, base: StepFeatures, cachedTokens: Int, limit: Int) -> Int {
        guard limit >= 1 else { return 0 }
        let cached = max(cachedTokens, 0)
        func fits(_ p: Int) -> Bool { predict(base.adding(newTokens: p, cachedTokens: cached)) <= budget }
        if limit >= 2, fits(2) {
            // Invariant: `low` fits, `high + 1` does not (or is past the limit).
            var low = 2, high = limit
            while low < high {
                let middle = low + (high - low + 1) / 2
                if fits(middle) { low = middle } else { high = middle - 1 }
            }
            return low
        }
        return fits(1) ? 1 : 0
    }

    /// Mean of |predicted − measured| / measured over `samples`, as a fraction (0.05 is 5%).
    /// Samples without a positive measured time are skipped; 0 when none is left.
    public func meanAbsolutePercentageError(_ samples: [LatencySample]) -> Double {
        let errors = absolutePercentageErrors(samples)
        return errors.isEmpty ? 0 : errors.reduce(0, +) / Double(errors.count)
    }

    /// The largest |predicted − measured| / measured over `samples`, as a fraction.
    public func maxAbsolutePercentageError(_ samples: [LatencySample]) -> Double {
        absolutePercentageErrors(samples).max() ?? 0
    }

    private func absolutePercentageErrors(_ samples: [LatencySample]) -> [Double] {
        samples.compactMap { sample in
            guard sample.seconds > 0, sample.seconds.isFinite else { return nil }
            return abs(predict(sample.features) - sample.seconds) / sample.seconds
        }
    }
}

/// One measured step: what it held and how long it took.
public struct LatencySample: Sendable, Codable, Hashable {
    public var features: StepFeatures
    /// Measured wall time of the step, in seconds.
    public var seconds: Double

    public init(features: StepFeatures, seconds: Double) {
        self.features = features
        self.seconds = seconds
    }
}
