import Foundation

/// SplitMix64: a small, fast generator whose sequence depends only on its seed, so every
/// policy of a run replays the same arrivals, lengths and prompts.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in (0, 1], never 0, so logarithms of it are finite.
    public mutating func unitInterval() -> Double {
        (Double(next() >> 11) + 1) / Double(1 << 53)
    }

    /// A standard normal deviate (Box–Muller).
    public mutating func normal() -> Double {
        let u = unitInterval(), v = unitInterval()
        return (-2 * Foundation.log(u)).squareRoot() * Foundation.cos(2 * Double.pi * v)
    }

    /// A Gamma(shape, 1) deviate (Marsaglia and Tsang; shapes below 1 boosted by U^(1/shape)).
    public mutating func gamma(shape: Double) -> Double {
        if shape < 1 {
            return gamma(shape: shape + 1) * Foundation.pow(unitInterval(), 1 / shape)
        }
        let d = shape - 1.0 / 3, c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double, v: Double
            repeat {
                x = normal()
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = unitInterval()
            if Foundation.log(u) < 0.5 * x * x + d - d * v + d * Foundation.log(v) { return d * v }
        }
    }
}
