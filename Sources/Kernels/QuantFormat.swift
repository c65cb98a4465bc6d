/// Weight encodings the matmul kernels read, with ggml's numeric type ids.
///
/// Block layouts are ggml's, byte for byte (little-endian, no padding):
/// - `q4_0` (18 B / 32): f16 d, 16 B nibbles; x = (q - 8)·d. Element j < 16 is the low nibble of
///   byte j, element j ≥ 16 the high nibble of byte j - 16 (same for all the 32-element formats).
/// - `q4_1` (20 B / 32): f16 d, f16 m, 16 B nibbles; x = q·d + m.
/// - `q5_0` (22 B / 32): f16 d, u32 qh (bit j = 5th bit of element j), 16 B nibbles; x = (q - 16)·d.
/// - `q5_1` (24 B / 32): f16 d, f16 m, u32 qh, 16 B nibbles; x = q·d + m.
/// - `q8_0` (34 B / 32): f16 d, 32 × i8; x = q·d.
/// - `q4_K` (144 B / 256): f16 d, f16 dmin, 12 B packed 6-bit scales/mins for 8 sub-blocks of 32,
///   128 B nibbles (each 32-byte run holds sub-block 2i in low nibbles, 2i+1 in high nibbles);
///   x = d·sc·q - dmin·m.
/// - `q5_K` (176 B / 256): as q4_K plus 32 B qh (bit i of qh[l] = 5th bit of element 32i + l).
/// - `q6_K` (210 B / 256): 128 B ql, 64 B qh, 16 × i8 scales (one per 16 elements), f16 d;
///   x = d·sc·(q - 32).
/// - `q2_K` (84 B / 256): 16 B scales (low nibble sc, high nibble m, one byte per 16 elements),
///   64 B 2-bit quants, f16 d, f16 dmin. Element 128h + 32j + l (h < 2, j < 4, l < 32) is bits
///   2j..2j+1 of qs[32h + l], in group 8h + 2j + l/16; x = d·sc·q - dmin·m.
/// - `q3_K` (110 B / 256): 32 B hmask, 64 B 2-bit quants, 12 B packed 6-bit scales, f16 d. The
///   2 low bits as q2_K; the 3rd bit of element 128h + 32j + l is bit 4h + j of hmask[l], and a
///   clear bit means -4: x = d·(sc - 32)·(q - 4·(1 - hbit)). Scale g: low 4 bits are byte g's low
///   nibble (g < 8) or byte g-8's high nibble, high 2 bits are bits 2·(g/4).. of byte 8 + g%4.
/// - `iq4_nl` (18 B / 32): f16 d, 16 B nibbles laid out as q4_0; x = d·kvalues[q] with the fixed
///   non-linear table `iq4Values`.
/// - `iq4_xs` (136 B / 256): f16 d, u16 scales_h, 4 B scales_l, 128 B nibbles; sub-block i of 32
///   has the 6-bit scale ls = (nibble i of scales_l) | (bits 2i..2i+1 of scales_h) << 4, its 16
///   bytes at 16i laid out as q4_0; x = d·(ls - 32)·kvalues[q].
/// - `f32`, `f16`, `bf16`: one element per "block".
public enum QuantFormat: UInt32, Sendable, CaseIterable {
    case f32 = 0, f16 = 1, q4_0 = 2, q4_1 = 3, q5_0 = 6, q5_1 = 7, q8_0 = 8
    case q2_K = 10, q3_K = 11, q4_K = 12, q5_K = 13, q6_K = 14, iq4_nl = 20, iq4_xs = 23, bf16 = 30

    /// The 16 values a 4-bit index selects in `iq4_nl` and `iq4_xs` (ggml's `kvalues_iq4nl`).
    public static let iq4Values: [Int8] = [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113]
}

extension QuantFormat {
    /// Elements per block (1 for the plain float formats).
    public var blockElements: Int {
        switch self {
        case .f32, .f16, .bf16: 1
        case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .iq4_nl: 32
        case .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .iq4_xs: 256
        }
    }

    /// Bytes per block.
    public var blockBytes: Int {
        switch self {
        case .f32: 4
        case .f16, .bf16: 2
        case .q4_0, .iq4_nl: 18
        case .q4_1: 20
        case .q5_0: 22
        case .q5_1: 24
        case .q8_0: 34
        case .q2_K: 84
        case .q3_K: 110
        case .q4_K: 144
        case .q5_K: 176
        case .q6_K: 210
        case .iq4_xs: 136
        }
    }

    /// Bytes of one row of `k` elements; `k` must be a multiple of `blockElements`.
    public func rowBytes(_ k: Int) -> Int { (k / blockElements) * blockBytes }

    /// The activation encoding this format's dot product consumes.
    public var activationFormat: ActivationFormat {
        switch self {
        case .f32, .f16, .bf16: .f32
        case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .iq4_nl: .q8x32
        case .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .iq4_xs: .q8K
        }
    }

    /// The name ggml and GGUF use ("Q4_1", "F16", ...).
    public var name: String {
        switch self {
        case .f32: "F32"
        case .f16: "F16"
        case .bf16: "BF16"
        case .q4_0: "Q4_0"
        case .q4_1: "Q4_1"
        case .q5_0: "Q5_0"
        case .q5_1: "Q5_1"
        case .q8_0: "Q8_0"
        case .q2_K: "Q2_K"
        case .q3_K: "Q3_K"
        case .q4_K: "Q4_K"
        case .q5_K: "Q5_K"
        case .q6_K: "Q6_K"
        case .iq4_nl: "IQ4_NL"
        case .iq4_xs: "IQ4_XS"
        }
    }
}

/// How an activation row is encoded for a weight format's dot product.
///
/// Layouts (one row of k elements; all little-endian):
/// - `f32`: k floats, a plain copy.
/// - `q8x32` (k multiple of 32, nb = k/32 blocks): nb floats d, then nb floats s, then
///   nb × 32 int8 quants, block after block. x ≈ d·q, q in -127...127, and s = d·Σq (used by the
///   formats with an offset or min term). Row size nb·40 bytes. Scales are kept apart from the
///   quants so kernels can read 8 blocks' scales with one vector load.
/// - `q8K` (k multiple of 256, nb = k/256 blocks): nb blocks of 292 bytes, each
///   `float d; int16 bsums[16]; int8 q[256]` where bsums[i] = Σ q[16i ..< 16i+16].
///
/// Quantization of a block: amax = max|x|, d = amax / 127, q = round-half-to-even(x · (127 / amax)),
/// all zeros when amax is 0.
public enum ActivationFormat: Sendable {
    case f32, q8x32, q8K

    /// Elements per block.
    public var blockElements: Int {
        switch self {
        case .f32: 1
        case .q8x32: 32
        case .q8K: 256
        }
    }

    /// Bytes per block.
    public var blockBytes: Int {
        switch self {
        case .f32: 4
        case .q8x32: 40
        case .q8K: 292
        }
    }

    /// Bytes of one encoded row of `k` elements.
    public func rowBytes(_ k: Int) -> Int { (k / blockElements) * blockBytes }
}
