/// Predicts how long one step takes from its token mix (DESIGN §5):
/// `T = a0 + a1·P + a2·Σ p_i·(c_i + p_i/2) + a3·Σ c_i + a4·N`, in seconds.
///
/// The coefficients come from `fit(_:)` on a profile of the machine (`LatencyProfiler` in
/// Engine). Fitted coefficients are never negative: a step never gets faster by adding
/// tokens, context or sequences, and that is what lets `maxTokens(fitting:...)` bisect.
public struct LatencyModel: StepTimePredictor, Codable, Hashable {
    /// a0: fixed cost of a step (reading the weights once, thread wake-ups), in seconds.
    public var perStep: Double
    /// a1: cost of each token in the step (the matmuls), in seconds.
    public var perToken: Double
    /// a2: cost of one unit of attention work, one new token attending to one position.
    public var perAttentionPosition: Double
    /// a3: extra cost of each cached position a decode reads (decodes read their KV alone,
    /// without the reuse a prefill chunk gets from attending many tokens to it at once).
    public var perContextPosition: Double
    /// a4: cost of each sequence in the step (its logits row, per-sequence bookkeeping).
    public var perSequence: Double

    /// The smallest time `predict` returns: a step is never free, and a negative or zero
    /// prediction would make budget arithmetic meaningless.
    public static let minimumPrediction = 1e-6

    public init(perStep: Double, perToken: Double, perAttentionPosition: Double,
                perContextPosition: Double, perSequence: Double) {
        self.perStep = perStep
        self.perToken = perToken
        self.perAttentionPosition = perAttentionPosition
        self.perContextPosition = perContextPosition
        self.perSequence = perSequence
    }

    /// Builds a model from coefficients in `StepFeatures.vector` order (a0…a4); nil unless
    /// there are exactly five, all finite.
    public init?(coefficients: [Double]) {
        guard coefficients.count == 5, coefficients.allSatisfy(\.isFinite) else { return nil }
        self.init(perStep: coefficients[0], perToken: coefficients[1], perAttentionPosition: coefficients[2],
                  perContextPosition: coefficients[3], perSequence: coefficients[4])
    }

    /// The coefficients in `StepFeatures.vector` order: a0, a1, a2, a3, a4.
    public var coefficients: [Double] {
        [perStep, perToken, perAttentionPosition, perContextPosition, perSequence]
    }

    /// Predicted seconds for a step with these features; at least `minimumPrediction`.
    public func predict(_ features: StepFeatures) -> Double {
        let raw = perStep + perToken * features.tokens + perAttentionPosition * features.attention
            + perContextPosition * features.context + perSequence * features.sequences
        // `max` would pass a NaN through from a hand-built model; this comparison does not.
        return raw > Self.minimumPrediction ? raw : Self.minimumPrediction
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
