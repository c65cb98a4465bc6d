import CKernels

/// The f32 stages of a transformer block around the matmuls: RMSNorm, SwiGLU, residual add,
/// and paged attention over a half-precision KV cache. Each calls a SIMD kernel in CKernels; `TransformerReference` holds
/// the scalar Swift version every one is tested against.
public enum TransformerKernels {
    /// dst = src / rms(src) * weight (src may equal dst).
    @inline(__always)
    public static func rmsNorm(_ src: UnsafePointer<Float>, weight: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, count: Int, epsilon: Float) {
        ck_rms_norm(src, weight, dst, Int32(count), epsilon)
    }

    /// out = silu(gate) * up
    @inline(__always)
    public static func siluMul(gate: UnsafePointer<Float>, up: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int) {
        ck_silu_mul(gate, up, out, Int32(count))
    }

    /// dst += src
    @inline(__always)
    public static func add(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, count: Int) {
        ck_add_inplace(dst, src, Int32(count))
    }

    /// y[i] += Σ_j values[j] · columns[j][i] (columns: `columnCount` IEEE-half vectors `columnStride` apart),
    /// in ascending j; y is read and written once.
    @inline(__always)
    public static func addColumns(_ columns: UnsafePointer<UInt16>, columnStride: Int, values: UnsafePointer<Float>,
                                  columnCount: Int, into y: UnsafeMutablePointer<Float>, count: Int) {
        ck_add_columns_f16(y, columns, columnStride, values, Int32(columnCount), Int32(count))
    }

    /// dst[i] = the IEEE half nearest to src[i] (round half to even): keys and values entering the cache.
    @inline(__always)
    public static func storeHalf(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<UInt16>, count: Int) {
        ck_store_f16(src, dst, Int32(count))
    }

    /// Causal attention of one query token (its `group` query heads sharing one KV head)
    /// over the first `contextLength` positions of a paged sequence of half-precision keys and values.
    @inline(__always)
    public static func attention(query: UnsafePointer<Float>, queryStride: Int, output: UnsafeMutablePointer<Float>, outputStride: Int,
                                 group: Int, headDim: Int, keys: UnsafePointer<UInt16>, values: UnsafePointer<UInt16>,
                                 blockTable: UnsafePointer<Int32>, blockSize: Int, blockStride: Int, slotStride: Int,
                                 contextLength: Int, scale: Float) {
        ck_attention_paged(query, queryStride, output, outputStride, Int32(group), Int32(headDim), keys, values,
                           blockTable, Int32(blockSize), blockStride, slotStride, Int32(contextLength), scale)
    }
}

/// The KV-cache kernels at one instruction-set level, so tests can run each level the CPU has
/// (`TransformerKernels` always runs the best one).
public enum TransformerLevel: String, CaseIterable, Sendable {
    case baseline, avx2

    /// The levels this CPU runs.
    public static var supported: [TransformerLevel] { ck_transformer_has_avx2() != 0 ? [.baseline, .avx2] : [.baseline] }

    private var flag: Int32 { self == .avx2 ? 1 : 0 }

    public func storeHalf(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<UInt16>, count: Int) {
        ck_store_f16_at(flag, src, dst, Int32(count))
    }

    public func attention(query: UnsafePointer<Float>, queryStride: Int, output: UnsafeMutablePointer<Float>, outputStride: Int,
                          group: Int, headDim: Int, keys: UnsafePointer<UInt16>, values: UnsafePointer<UInt16>,
                          blockTable: UnsafePointer<Int32>, blockSize: Int, blockStride: Int, slotStride: Int,
                          contextLength: Int, scale: Float) {
        ck_attention_paged_at(flag, query, queryStride, output, outputStride, Int32(group), Int32(headDim), keys, values,
                              blockTable, Int32(blockSize), blockStride, slotStride, Int32(contextLength), scale)
    }
}

/// Scalar references for `TransformerKernels`, computed in Double where it costs nothing.
public enum TransformerReference {
    public static func rmsNorm(_ src: UnsafePointer<Float>, weight: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, count: Int, epsilon: Float) {
        var sum = 0.0
        for i in 0 ..< count { sum += Double(src[i]) * Double(src[i]) }
        let inv = 1.0 / (sum / Double(count) + Double(epsilon)).squareRoot()
        for i in 0 ..< count { dst[i] = Float(Double(src[i]) * inv) * weight[i] }
    }

    public static func siluMul(gate: UnsafePointer<Float>, up: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0 ..< count {
            let g = Double(gate[i])
            out[i] = Float(g / (1 + exp(-g)) * Double(up[i]))
        }
    }

    public static func attention(query: UnsafePointer<Float>, queryStride: Int, output: UnsafeMutablePointer<Float>, outputStride: Int,
                                 group: Int, headDim: Int, keys: UnsafePointer<UInt16>, values: UnsafePointer<UInt16>,
                                 blockTable: UnsafePointer<Int32>, blockSize: Int, blockStride: Int, slotStride: Int,
                                 contextLength: Int, scale: Float) {
        func offset(_ position: Int) -> Int {
            Int(blockTable[position / blockSize]) * blockStride + (position % blockSize) * slotStride
        }
        for h in 0 ..< group {
            let q = query + h * queryStride
            var scores = [Double](repeating: 0, count: contextLength)
            for p in 0 ..< contextLength {
                var dot = 0.0
                for d in 0 ..< headDim { dot += Double(q[d]) * Double(HalfFloat.toFloat(keys[offset(p) + d])) }
                scores[p] = dot * Double(scale)
            }
            let maxScore = scores.max() ?? 0
            let weights = scores.map { exp($0 - maxScore) }
            let total = weights.reduce(0, +)
            for d in 0 ..< headDim {
                var acc = 0.0
                for p in 0 ..< contextLength { acc += weights[p] * Double(HalfFloat.toFloat(values[offset(p) + d])) }
                output[h * outputStride + d] = Float(acc / total)
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
