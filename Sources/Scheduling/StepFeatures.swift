/// What the latency model reads off a step: the sums in the form
/// `T = a0 + a1·P + a2·Σ p_i·(c_i + p_i/2) + a3·Σ c_i + a4·N`.
///
/// DESIGN §5 sums c_i over decodes only in the a3 term. Every sequence of a step reads its
/// whole cached context, prefill chunks included, and on profiles of this machine summing
/// over all sequences halved the held-out error (5.4% → 2.8% on the same measurements);
/// small chunks at long contexts were predicted 15–30% too fast without it.
///
/// Additive, so the scheduler can grow a step one request at a time and ask the model after
/// each addition without rescanning the batch.
public struct StepFeatures: Sendable, Hashable, Codable {
    /// P: tokens in the step.
    public var tokens: Double = 0
    /// Σ p_i·(c_i + p_i/2): the attention work, each new token attending to the cached
    /// context and, on average, half of its own chunk.
    public var attention: Double = 0
    /// Σ c_i over every sequence: cached positions read by the step.
    public var context: Double = 0
    /// N: sequences in the step.
    public var sequences: Double = 0

    public init() {}

    /// Adds one sequence that runs `newTokens` tokens after `cachedTokens` already in its KV.
    public mutating func add(newTokens p: Int, cachedTokens c: Int) {
        guard p > 0 else { return }
        let p = Double(p), c = Double(c)
        tokens += p
        attention += p * (c + p / 2)
        context += c
        sequences += 1
    }

    public func adding(newTokens p: Int, cachedTokens c: Int) -> StepFeatures {
        var copy = self
        copy.add(newTokens: p, cachedTokens: c)
        return copy
    }

    /// The regressors in coefficient order: 1, P, attention, context, N.
    public var vector: [Double] { [1, tokens, attention, context, sequences] }
}
