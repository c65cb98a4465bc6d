/// The matmul-side kernels, dispatched through the table chosen once at start-up
/// (`KernelTable.selected`: the best level the CPU supports, or `CONSERVE_KERNELS`).
///
/// Typical use per matmul: encode each activation row once with `quantizeActivations`
/// (into `format.activationFormat.rowBytes(k)` bytes per row), then split `rows` across threads
/// and call `matmul` once per thread. No call allocates.
public enum MatmulKernels {
    /// The instruction-set level in use.
    public static var level: KernelLevel { KernelTable.selected.level }

    /// Encode one f32 activation row of length k (a multiple of the weight's block size) for
    /// `format`'s dot product (layouts in `ActivationFormat`). For float formats it is a copy.
    @inline(__always)
    public static func quantizeActivations(_ src: UnsafePointer<Float>, k: Int, for format: QuantFormat, into dst: UnsafeMutableRawPointer) {
        KernelTable.selected.quantizeActivations(src, k: k, for: format, into: dst)
    }

    /// out[t * outStride + r] = dot(weight row r, activation row t) for r in rows, t in 0..<tokens.
    /// Weight row r starts at weights + r * format.rowBytes(k); activation row t at
    /// activations + t * activationRowBytes.
    @inline(__always)
    public static func matmul(
        _ format: QuantFormat, weights: UnsafeRawPointer, rows: Range<Int>, k: Int,
        activations: UnsafeRawPointer, activationRowBytes: Int, tokens: Int,
        out: UnsafeMutablePointer<Float>, outStride: Int
    ) {
        KernelTable.selected.matmul(
            format, weights: weights, rows: rows, k: k, activations: activations,
            activationRowBytes: activationRowBytes, tokens: tokens, out: out, outStride: outStride)
    }

    /// Dequantize `count` consecutive elements (a multiple of the block size) starting at a block boundary.
    @inline(__always)
    public static func dequantize(_ format: QuantFormat, _ src: UnsafeRawPointer, into dst: UnsafeMutablePointer<Float>, count: Int) {
        KernelTable.selected.dequantize(format, src, into: dst, count: count)
    }
}
