/// Predicts a step's time from its features: the `LatencyModel`, or a stand-in in tests.
/// Predictions must not decrease when a step gains tokens, context or sequences.
public protocol StepTimePredictor: Sendable {
    func predict(_ features: StepFeatures) -> Double
}

extension StepTimePredictor {
    /// The largest chunk `p` in `0...limit` of one sequence holding `cachedTokens` positions
    /// such that the step `base` plus that chunk is predicted to take at most `budget`
    /// seconds; 0 when not even one token fits. Predictions grow with p, so it bisects.
    public func maxTokens(fitting budget: Double, base: StepFeatures, cachedTokens: Int, limit: Int) -> Int {
        let cached = max(cachedTokens, 0)
        func fits(_ p: Int) -> Bool { predict(base.adding(newTokens: p, cachedTokens: cached)) <= budget }
        guard limit >= 1, fits(1) else { return 0 }
        var low = 1, high = limit // invariant: `low` fits; above `high` nothing does
        while low < high {
            let middle = low + (high - low + 1) / 2
            if fits(middle) { low = middle } else { high = middle - 1 }
        }
        return low
    }

    /// Predicted seconds to prefill a prompt of `promptTokens` alone, in chunks of at most
    /// `chunk` tokens (at least 1), each attending to the ones before it.
    public func prefillSeconds(promptTokens: Int, chunk: Int) -> Double {
        let chunk = max(1, chunk)
        var done = 0, seconds = 0.0
        while done < promptTokens {
            let n = min(chunk, promptTokens - done)
            seconds += predict(StepFeatures().adding(newTokens: n, cachedTokens: done))
            done += n
        }
        return seconds
    }
}
