import CKernels

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The instruction-set level a kernel table was built for.
public enum KernelLevel: String, Sendable, CaseIterable {
    case scalar, avx2, avx512vnni, neon
}

/// Function pointers for every matmul-side kernel at one instruction-set level, filled once.
///
/// Every format has a SIMD kernel at the x86 levels; a format without one at some level would
/// fall back to the scalar reference through the same table, as everything does at `.scalar`.
public struct KernelTable: @unchecked Sendable {  // immutable; holds C function pointers only
    public let level: KernelLevel
    /// Indexed by `QuantFormat.rawValue`.
    private let matmuls: [ck_matmul_fn?]
    private let quantizeQ8x32: ck_quantize_fn?
    private let quantizeQ8K: ck_quantize_fn?

    /// The table for `level`, or nil when this CPU (or this build) cannot run it.
    public init?(level: KernelLevel, features: CPUFeatures = .current) {
        guard features.supports(level) else { return nil }
        self.level = level
        var m = [ck_matmul_fn?](repeating: nil, count: 32)
        var q8x32: ck_quantize_fn? = nil
        var q8K: ck_quantize_fn? = nil
        switch level {
        case .scalar, .neon:
            break
        case .avx2:
            #if arch(x86_64)
            m[Int(QuantFormat.f32.rawValue)] = ck_matmul_f32_avx2
            m[Int(QuantFormat.f16.rawValue)] = ck_matmul_f16_avx2
            m[Int(QuantFormat.bf16.rawValue)] = ck_matmul_bf16_avx2
            m[Int(QuantFormat.q4_0.rawValue)] = ck_matmul_q4_0_avx2
            m[Int(QuantFormat.q4_1.rawValue)] = ck_matmul_q4_1_avx2
            m[Int(QuantFormat.q8_0.rawValue)] = ck_matmul_q8_0_avx2
            m[Int(QuantFormat.q4_K.rawValue)] = ck_matmul_q4_K_avx2
            m[Int(QuantFormat.q6_K.rawValue)] = ck_matmul_q6_K_avx2
            m[Int(QuantFormat.q5_0.rawValue)] = ck_matmul_q5_0_avx2
            m[Int(QuantFormat.q5_1.rawValue)] = ck_matmul_q5_1_avx2
            m[Int(QuantFormat.iq4_nl.rawValue)] = ck_matmul_iq4_nl_avx2
            m[Int(QuantFormat.q2_K.rawValue)] = ck_matmul_q2_K_avx2
            m[Int(QuantFormat.q3_K.rawValue)] = ck_matmul_q3_K_avx2
            m[Int(QuantFormat.q5_K.rawValue)] = ck_matmul_q5_K_avx2
            m[Int(QuantFormat.iq4_xs.rawValue)] = ck_matmul_iq4_xs_avx2
            q8x32 = ck_quantize_q8x32_avx2
            q8K = ck_quantize_q8K_avx2
            #else
            return nil
            #endif
        case .avx512vnni:
            #if arch(x86_64)
            m[Int(QuantFormat.f32.rawValue)] = ck_matmul_f32_avx512
            m[Int(QuantFormat.f16.rawValue)] = ck_matmul_f16_avx512
            m[Int(QuantFormat.bf16.rawValue)] = ck_matmul_bf16_avx512
            m[Int(QuantFormat.q4_0.rawValue)] = ck_matmul_q4_0_avx512
            m[Int(QuantFormat.q4_1.rawValue)] = ck_matmul_q4_1_avx512
            m[Int(QuantFormat.q8_0.rawValue)] = ck_matmul_q8_0_avx512
            m[Int(QuantFormat.q4_K.rawValue)] = ck_matmul_q4_K_avx512
            m[Int(QuantFormat.q6_K.rawValue)] = ck_matmul_q6_K_avx512
            m[Int(QuantFormat.q5_0.rawValue)] = ck_matmul_q5_0_avx512
            m[Int(QuantFormat.q5_1.rawValue)] = ck_matmul_q5_1_avx512
            m[Int(QuantFormat.iq4_nl.rawValue)] = ck_matmul_iq4_nl_avx512
            m[Int(QuantFormat.q2_K.rawValue)] = ck_matmul_q2_K_avx512
            m[Int(QuantFormat.q3_K.rawValue)] = ck_matmul_q3_K_avx512
            m[Int(QuantFormat.q5_K.rawValue)] = ck_matmul_q5_K_avx512
            m[Int(QuantFormat.iq4_xs.rawValue)] = ck_matmul_iq4_xs_avx512
            q8x32 = ck_quantize_q8x32_avx512
            q8K = ck_quantize_q8K_avx512
            #else
            return nil
            #endif
        }
        matmuls = m
        quantizeQ8x32 = q8x32
        quantizeQ8K = q8K
    }

    /// The best level this CPU supports, unless `CONSERVE_KERNELS` (scalar | avx2 | avx512)
    /// forces one; a forced level the CPU cannot run is reported on stderr and ignored.
    public static func selectLevel(environment value: String?, features: CPUFeatures = .current) -> KernelLevel {
        let best: KernelLevel = features.supports(.avx512vnni) ? .avx512vnni
            : features.supports(.avx2) ? .avx2
            : features.supports(.neon) ? .neon : .scalar
        guard let value, !value.isEmpty else { return best }
        let forced: KernelLevel? = switch value.lowercased() {
        case "scalar": .scalar
        case "avx2": .avx2
        case "avx512", "avx512vnni": .avx512vnni
        case "neon": .neon
        default: nil
        }
        guard let forced, features.supports(forced) else {
            let message = "conserve: CONSERVE_KERNELS=\(value) is not usable on this CPU (features: \(features)); "
                + "using \(best.rawValue). Valid values: scalar, avx2, avx512.\n"
            _ = message.withCString { write(2, $0, strlen($0)) }
            return best
        }
        return forced
    }

    /// The table chosen at start-up.
    public static let selected: KernelTable = {
        let env = getenv("CONSERVE_KERNELS").map { String(cString: $0) }
        return KernelTable(level: selectLevel(environment: env))!
    }()

    /// Whether `format` has a SIMD matmul at this level (otherwise the scalar reference runs).
    public func hasFastMatmul(_ format: QuantFormat) -> Bool { matmuls[Int(format.rawValue)] != nil }

    public func quantizeActivations(_ src: UnsafePointer<Float>, k: Int, for format: QuantFormat, into dst: UnsafeMutableRawPointer) {
        switch format.activationFormat {
        case .f32:
            dst.copyMemory(from: src, byteCount: k * MemoryLayout<Float>.size)
        case .q8x32:
            if let f = quantizeQ8x32 { f(src, Int32(k), dst) } else {
                ReferenceKernels.quantizeActivations(src, k: k, for: format, into: dst)
            }
        case .q8K:
            if let f = quantizeQ8K { f(src, Int32(k), dst) } else {
                ReferenceKernels.quantizeActivations(src, k: k, for: format, into: dst)
            }
        }
    }

    public func matmul(
        _ format: QuantFormat, weights: UnsafeRawPointer, rows: Range<Int>, k: Int,
        activations: UnsafeRawPointer, activationRowBytes: Int, tokens: Int,
        out: UnsafeMutablePointer<Float>, outStride: Int
    ) {
        guard !rows.isEmpty, tokens > 0 else { return }
        guard let f = matmuls[Int(format.rawValue)] else {
            ReferenceKernels.matmul(
                format, weights: weights, rows: rows, k: k, activations: activations,
                activationRowBytes: activationRowBytes, tokens: tokens, out: out, outStride: outStride)
            return
        }
        let rowBytes = format.rowBytes(k)
        f(weights + rows.lowerBound * rowBytes, rowBytes, Int32(rows.count), Int32(k),
          activations, activationRowBytes, Int32(tokens), out + rows.lowerBound, outStride)
    }

    public func dequantize(_ format: QuantFormat, _ src: UnsafeRawPointer, into dst: UnsafeMutablePointer<Float>, count: Int) {
        ReferenceKernels.dequantize(format, src, into: dst, count: count)
    }
}
