/// Rotary position embedding with precomputed cos/sin per (position, frequency).
///
/// Two layouts exist in GGUF models: `normal` rotates adjacent pairs (x[2i], x[2i+1]) — the
/// llama converter permutes Q/K rows for it — and `neox` rotates (x[i], x[i + rotaryDim/2])
/// (Qwen 2 and GPT-NeoX). Llama 3 scaling arrives as per-frequency divisors (`rope_freqs`).
public struct RopeTable: Sendable {
    public enum Layout: Sendable { case normal, neox }

    public let layout: Layout
    public let rotaryDim: Int
    public let maxPositions: Int
    private let cosSin: [Float] // [position][rotaryDim/2][cos, sin]

    /// - Parameters:
    ///   - freqBase: `rope.freq_base` (theta).
    ///   - frequencyFactors: optional divisor per frequency (Llama 3's `rope_freqs.weight`).
    ///   - positionScale: linear scaling, positions are multiplied by it (1 / `rope.scaling.factor`).
    public init(layout: Layout, rotaryDim: Int, freqBase: Double, maxPositions: Int,
                frequencyFactors: [Float]? = nil, positionScale: Double = 1) {
        self.layout = layout
        self.rotaryDim = rotaryDim
        self.maxPositions = maxPositions
        let half = rotaryDim / 2
        var table = [Float](repeating: 0, count: maxPositions * half * 2)
        var inverseFrequencies = [Double](repeating: 0, count: half)
        for i in 0 ..< half {
            var f = 1.0 / pow(freqBase, Double(2 * i) / Double(rotaryDim))
            if let factors = frequencyFactors, i < factors.count { f /= Double(factors[i]) }
            inverseFrequencies[i] = f
        }
        for p in 0 ..< maxPositions {
            for i in 0 ..< half {
                let angle = Double(p) * positionScale * inverseFrequencies[i]
                table[(p * half + i) * 2] = Float(cos(angle))
                table[(p * half + i) * 2 + 1] = Float(sin(angle))
            }
        }
        cosSin = table
    }

    /// Rotates `heads` vectors of `headDim` floats (laid out back to back) for `position`.
    @inline(__always)
    public func apply(_ x: UnsafeMutablePointer<Float>, heads: Int, headDim: Int, position: Int) {
        let half = rotaryDim / 2
        cosSin.withUnsafeBufferPointer { table in
            let cs = table.baseAddress! + position * half * 2
            for h in 0 ..< heads {
                let v = x + h * headDim
                switch layout {
                case .normal:
                    for i in 0 ..< half {
                        let c = cs[2 * i], s = cs[2 * i + 1]
                        let a = v[2 * i], b = v[2 * i + 1]
                        v[2 * i] = a * c - b * s
                        v[2 * i + 1] = a * s + b * c
                    }
                case .neox:
                    for i in 0 ..< half {
                        let c = cs[2 * i], s = cs[2 * i + 1]
                        let a = v[i], b = v[i + half]
                        v[i] = a * c - b * s
                        v[i + half] = a * s + b * c
                    }
                }
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
