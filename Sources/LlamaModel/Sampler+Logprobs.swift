import Foundation

/// Log-probabilities of raw logits, for the `logprobs` fields of responses. These ignore the
/// request's penalties, temperature and filters, as OpenAI's API does.
extension Sampler {
    /// Writes log-softmax(`logits`) into `into` (same length): logit - max - log Σ exp(logit - max),
    /// summed in double precision. NaN counts as -infinity. If every logit is -inf, or any
    /// is +inf, there is no meaningful normalization and the result is uniform.
    public static func logSoftmax(
        _ logits: UnsafeBufferPointer<Float>, into: UnsafeMutableBufferPointer<Float>
    ) {
        precondition(into.count == logits.count, "into must have the same length as logits")
        let n = logits.count
        guard n > 0 else { return }
        let logNormalizer = logSumExp(logits)
        guard logNormalizer.isFinite else {
            let uniform = Float(-Foundation.log(Double(n)))
            for i in 0..<n { into[i] = uniform }
            return
        }
        for i in 0..<n {
            let logit = logits[i]
            into[i] = logit.isNaN ? -.infinity : Float(Double(logit) - logNormalizer)
        }
    }

    /// The log-probability of `token` under raw `logits`: the same value `logSoftmax` writes
    /// for it, without a vocabulary-sized output. `token` must be a valid index.
    public static func logprob(of token: Int32, in logits: UnsafeBufferPointer<Float>) -> Float {
        let logNormalizer = logSumExp(logits)
        guard logNormalizer.isFinite else { return Float(-Foundation.log(Double(logits.count))) }
        let logit = logits[Int(token)]
        return logit.isNaN ? -.infinity : Float(Double(logit) - logNormalizer)
    }

    /// The `k` most likely tokens of raw `logits` with their log-probabilities, by descending
    /// log-probability, ties to the lower id. `k` is clamped to the vocabulary size.
    /// Allocates its result and one vocabulary-sized scratch; O(vocabulary + k log k).
    public static func topLogprobs(
        _ logits: UnsafeBufferPointer<Float>, k: Int
    ) -> [(id: Int32, logprob: Float)] {
        let n = logits.count
        let k = min(max(k, 0), n)
        guard k > 0 else { return [] }
        let logNormalizer = logSumExp(logits)

        // The best k by a selection over all ids, then a sort of those k.
        let order = UnsafeMutablePointer<Float>.allocate(capacity: n)
        defer { order.deallocate() }
        for i in 0..<n { order[i] = logits[i].isNaN ? -.infinity : logits[i] }
        var ids = [Int32](unsafeUninitializedCapacity: n) { buffer, initialized in
            for i in 0..<n { buffer[i] = Int32(truncatingIfNeeded: i) }
            initialized = n
        }
        ids.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            SamplerSelection.select(base, 0, n, k, order)
            SamplerSelection.sort(base, 0, k, order)
        }
        return (0..<k).map { j in
            let id = ids[j]
            return (id: id, logprob: Float(Double(order[Int(id)]) - logNormalizer))
        }
    }

    /// log Σ exp(logits), computed around the max and accumulated in double; NaN counts as -inf.
    private static func logSumExp(_ logits: UnsafeBufferPointer<Float>) -> Double {
        var maxLogit = -Float.infinity
        for logit in logits where logit > maxLogit { maxLogit = logit }
        guard maxLogit.isFinite else { return maxLogit == .infinity ? .infinity : -.infinity }
        var sum = 0.0
        for logit in logits where !logit.isNaN {
            sum += Double(Foundation.exp(logit - maxLogit))
        }
        return Double(maxLogit) + Foundation.log(sum)
    }
}
