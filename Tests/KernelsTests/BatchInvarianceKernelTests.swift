import Kernels
import Testing

/// A token's matmul result must not depend on how many tokens share the call: the engine
/// promises the same greedy tokens for a request alone or batched, so the single-token path
/// and the multi-token tiles must round identically.
@Suite("Matmul batch invariance")
struct BatchInvarianceKernelTests {
    @Test("a token alone equals the same token inside a batch, bit for bit", arguments: QuantFormat.allCases)
    func aloneEqualsBatched(format: QuantFormat) {
        for table in runnableLevels {
            var rng = SplitMix64(seed: UInt64(format.rawValue) &* 7919 &+ 5)
            let k = format.blockElements == 256 ? 512 : 576
            let rows = 37, tokens = 9
            let weights = randomWeights(format, rows: rows, k: k, rng: &rng)
            let x = randomActivations(count: k * tokens, rng: &rng)
            let rowBytes = format.activationFormat.rowBytes(k)
            var encoded = [UInt8](repeating: 0, count: rowBytes * tokens)
            x.withUnsafeBufferPointer { xp in
                encoded.withUnsafeMutableBytes { e in
                    for t in 0..<tokens {
                        table.quantizeActivations(xp.baseAddress! + t * k, k: k, for: format, into: e.baseAddress! + t * rowBytes)
                    }
                }
            }
            var batched = [Float](repeating: 0, count: rows * tokens)
            var alone = [Float](repeating: 0, count: rows * tokens)
            weights.withUnsafeBytes { w in
                encoded.withUnsafeBytes { a in
                    table.matmul(format, weights: w.baseAddress!, rows: 0..<rows, k: k, activations: a.baseAddress!,
                                 activationRowBytes: rowBytes, tokens: tokens, out: &batched, outStride: rows)
                    alone.withUnsafeMutableBufferPointer { o in
                        for t in 0..<tokens {
                            table.matmul(format, weights: w.baseAddress!, rows: 0..<rows, k: k,
                                         activations: a.baseAddress! + t * rowBytes, activationRowBytes: rowBytes,
                                         tokens: 1, out: o.baseAddress! + t * rows, outStride: rows)
                        }
                    }
                }
            }
            let mismatches = zip(batched, alone).filter { $0.bitPattern != $1.bitPattern }.count
            #expect(mismatches == 0, "\(table.level) \(format.name): \(mismatches) of \(rows * tokens) results differ between tokens=1 and tokens=\(tokens)")
            // Up to 4 tokens take another tile than longer prompts do; it must round the same.
            var small = [Float](repeating: 0, count: rows * 3)
            weights.withUnsafeBytes { w in
                encoded.withUnsafeBytes { a in
                    table.matmul(format, weights: w.baseAddress!, rows: 0..<rows, k: k, activations: a.baseAddress! + 2 * rowBytes,
                                 activationRowBytes: rowBytes, tokens: 3, out: &small, outStride: rows)
                }
            }
            let smallMismatches = zip(small, alone[2 * rows ..< 5 * rows]).filter { $0.bitPattern != $1.bitPattern }.count
            #expect(smallMismatches == 0, "\(table.level) \(format.name): \(smallMismatches) results differ between tokens=1 and tokens=3")
        }
    }
}
