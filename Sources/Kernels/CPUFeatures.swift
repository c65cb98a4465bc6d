import CKernels

/// The instruction-set extensions the CPU (and OS) support, probed once with cpuid/xgetbv.
public struct CPUFeatures: OptionSet, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let avx2 = CPUFeatures(rawValue: UInt32(CK_FEATURE_AVX2))
    public static let fma = CPUFeatures(rawValue: UInt32(CK_FEATURE_FMA))
    public static let f16c = CPUFeatures(rawValue: UInt32(CK_FEATURE_F16C))
    public static let avx512f = CPUFeatures(rawValue: UInt32(CK_FEATURE_AVX512F))
    public static let avx512bw = CPUFeatures(rawValue: UInt32(CK_FEATURE_AVX512BW))
    public static let avx512vl = CPUFeatures(rawValue: UInt32(CK_FEATURE_AVX512VL))
    public static let avx512vnni = CPUFeatures(rawValue: UInt32(CK_FEATURE_AVX512VNNI))
    public static let neon = CPUFeatures(rawValue: UInt32(CK_FEATURE_NEON))

    /// What this machine supports.
    public static let current = CPUFeatures(rawValue: ck_cpu_features())

    /// Whether kernels of `level` can run with these features.
    public func supports(_ level: KernelLevel) -> Bool {
        switch level {
        case .scalar: true
        case .avx2: contains([.avx2, .fma, .f16c])
        case .avx512vnni: contains([.avx2, .fma, .f16c, .avx512f, .avx512bw, .avx512vl, .avx512vnni])
        case .neon: false  // no NEON kernels yet: aarch64 runs the scalar level
        }
    }

    public var description: String {
        let names: [(CPUFeatures, String)] = [
            (.avx2, "avx2"), (.fma, "fma"), (.f16c, "f16c"), (.avx512f, "avx512f"), (.avx512bw, "avx512bw"),
            (.avx512vl, "avx512vl"), (.avx512vnni, "avx512vnni"), (.neon, "neon"),
        ]
        return names.filter { contains($0.0) }.map(\.1).joined(separator: ",")
    }
}
