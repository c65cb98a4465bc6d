import Kernels

/// Deterministic generator (SplitMix64) so failures reproduce.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension SplitMix64 {
    /// Roughly normal (sum of uniforms), scaled.
    mutating func gaussian(_ scale: Float = 1) -> Float {
        var s: Float = 0
        for _ in 0..<4 { s += Float.random(in: -1...1, using: &self) }
        return s * scale * 0.87
    }
}

/// `rows` random weight rows of length `k` in `format`: arbitrary quant bits, finite f16 scales
/// in a sane range (as a real quantizer would produce).
func randomWeights(_ format: QuantFormat, rows: Int, k: Int, rng: inout SplitMix64) -> [UInt8] {
    let count = rows * format.rowBytes(k)
    var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
    func setHalf(_ offset: Int, _ value: Float) {
        let h = HalfFloat.fromFloat(value)
        bytes[offset] = UInt8(h & 0xFF)
        bytes[offset + 1] = UInt8(h >> 8)
    }
    switch format {
    case .f32:
        for i in 0..<(rows * k) {
            let bits = rng.gaussian().bitPattern
            for j in 0..<4 { bytes[4 * i + j] = UInt8((bits >> (8 * UInt32(j))) & 0xFF) }
        }
    case .f16:
        for i in 0..<(rows * k) { setHalf(2 * i, rng.gaussian()) }
    case .bf16:
        for i in 0..<(rows * k) {
            let b = HalfFloat.bf16FromFloat(rng.gaussian())
            bytes[2 * i] = UInt8(b & 0xFF)
            bytes[2 * i + 1] = UInt8(b >> 8)
        }
    default:
        let blocks = count / format.blockBytes
        for b in 0..<blocks {
            let base = b * format.blockBytes
            switch format {
            case .q4_0, .q5_0, .q8_0, .iq4_nl:
                setHalf(base, Float.random(in: -0.05...0.05, using: &rng))
            case .iq4_xs:
                setHalf(base, Float.random(in: -0.002...0.002, using: &rng))
            case .q2_K:
                setHalf(base + 80, Float.random(in: 0.0005...0.01, using: &rng))
                setHalf(base + 82, Float.random(in: 0.0005...0.01, using: &rng))
            case .q3_K:
                setHalf(base + 108, Float.random(in: -0.003...0.003, using: &rng))
            case .q4_1, .q5_1:
                setHalf(base, Float.random(in: 0.001...0.05, using: &rng))
                setHalf(base + 2, Float.random(in: -0.5...0.1, using: &rng))
            case .q4_K, .q5_K:
                setHalf(base, Float.random(in: 0.0005...0.01, using: &rng))
                setHalf(base + 2, Float.random(in: 0.0005...0.01, using: &rng))
            case .q6_K:
                setHalf(base + 208, Float.random(in: -0.003...0.003, using: &rng))
            default:
                break
            }
        }
    }
    return bytes
}

func randomActivations(count: Int, rng: inout SplitMix64) -> [Float] {
    (0..<count).map { i in
        // A few outliers, as real activations have.
        i % 97 == 5 ? rng.gaussian(8) : rng.gaussian()
    }
}

/// Dequantized values of one encoded activation row (for magnitude estimates and consistency checks).
func dequantizeActivations(_ row: UnsafeRawPointer, k: Int, format: ActivationFormat) -> [Float] {
    switch format {
    case .f32:
        return (0..<k).map { row.load(fromByteOffset: 4 * $0, as: Float.self) }
    case .q8x32:
        let nb = k / 32
        return (0..<k).map { i in
            row.load(fromByteOffset: 4 * (i / 32), as: Float.self) * Float(row.load(fromByteOffset: nb * 8 + i, as: Int8.self))
        }
    case .q8K:
        return (0..<k).map { i in
            let block = row + 292 * (i / 256)
            return block.load(as: Float.self) * Float(block.load(fromByteOffset: 36 + i % 256, as: Int8.self))
        }
    }
}

let allFormats: [QuantFormat] = QuantFormat.allCases

/// Every kernel level this machine can run (always includes .scalar).
let runnableLevels: [KernelTable] = KernelLevel.allCases.compactMap { KernelTable(level: $0) }

/// Block counts to test: one block, several, a non-power-of-two count, and (for 32-element
/// formats) the default model's k = 576.
func testKs(_ format: QuantFormat) -> [Int] {
    switch format.blockElements {
    case 1: [1, 7, 8, 37, 96, 300]
    case 32: [32, 96, 352, 576]
    default: [256, 768, 1280]
    }
}
