/// The stages that restrict the vocabulary before sampling proper: `logit_bias` and the
/// allowed-token mask of constrained decoding (a grammar's `TokenMask` words).
extension Sampler {
    /// Adds each biased token's bias to its logit.
    func applyLogitBias(logits: UnsafeMutableBufferPointer<Float>) {
        for (id, bias) in parameters.logitBias where Int(id) < logits.count {
            logits[Int(id)] += bias
        }
    }

    /// Sets the logit of every token whose bit is clear in `allowed` (bit `id % 64` of word
    /// `id / 64`) to -infinity; ids past the mask's words are disallowed too. Whole words of
    /// allowed tokens, the common case inside a JSON string, cost one comparison.
    public static func applyAllowedMask(_ allowed: UnsafeBufferPointer<UInt64>, to logits: UnsafeMutableBufferPointer<Float>) {
        let count = logits.count
        var word = 0
        while word * 64 < count {
            let bits = word < allowed.count ? allowed[word] : 0
            if bits != ~0 {
                let base = word * 64
                let end = min(count, base + 64)
                for id in base..<end where bits & (1 << UInt64(id - base)) == 0 {
                    logits[id] = -.infinity
                }
            }
            word += 1
        }
    }
}
