import Foundation
import Synchronization

/// The latency model, corrected online from the steps the engine actually runs.
///
/// A profile is fitted once, on a quiet machine, over a grid of step shapes. In service the
/// machine is shared and the contexts are longer than most of the grid: on the reference
/// machine steps at long contexts took 1.3–1.8× what the fit predicted, so the budget let too
/// much into them and online requests queued behind. This wraps the fitted model with one
/// multiplicative residual per context range, learned from measured steps (an exponentially
/// weighted mean of log(measured / predicted)), and keeps the base and corrected errors of
/// every range for the report.
///
/// A step's range is its mean cached context per sequence. Adding tokens to one sequence of a
/// step leaves that mean unchanged, so within a chunk-size search predictions stay monotone in
/// tokens, which is what `maxTokens(fitting:...)` needs.
public final class CorrectedLatencyModel: StepTimePredictor, Sendable {
    /// The fitted model the residuals correct.
    public let base: any StepTimePredictor
    /// Lower bounds of the context ranges, in cached positions per sequence.
    public static let rangeLowerBounds = [0, 256, 512, 1024, 2048, 4096]
    /// Weight of each new step in a range's residual.
    static let smoothing = 0.1
    /// A range's residual is shrunk toward none by n / (n + this): a few odd steps move it little.
    static let priorSteps = 4.0
    /// The correction never goes beyond this factor either way (a step stalled by the OS is not a trend).
    static let maxFactor = 4.0

    private let state: Mutex<[RangeState]>

    struct RangeState {
        var logRatio = 0.0
        var steps = 0
        var baseErrorSum = 0.0
        var correctedErrorSum = 0.0
        /// Sum of every step's clamped log(measured / fitted), for the whole run's mean drift.
        var logRatioSum = 0.0
    }

    public init(base: any StepTimePredictor) {
        self.base = base
        state = Mutex(Array(repeating: RangeState(), count: Self.rangeLowerBounds.count))
    }

    /// Which context range a step belongs to.
    public static func range(of features: StepFeatures) -> Int {
        let mean = features.sequences > 0 ? features.context / features.sequences : 0
        return (rangeLowerBounds.lastIndex { Double($0) <= mean }) ?? 0
    }

    public func predict(_ features: StepFeatures) -> Double {
        let range = Self.range(of: features)
        return base.predict(features) * state.withLock { Self.factor($0[range]) }
    }

    /// Learns from one completed step: what it held and how long it took, in seconds.
    public func observe(_ features: StepFeatures, seconds: Double) {
        guard seconds > 0, seconds.isFinite, features.tokens > 0 else { return }
        let predicted = base.predict(features)
        guard predicted > 0, predicted.isFinite else { return }
        let range = Self.range(of: features)
        let limit = log(Self.maxFactor)
        state.withLock { ranges in
            var r = ranges[range]
            r.baseErrorSum += abs(predicted - seconds) / seconds
            r.correctedErrorSum += abs(predicted * Self.factor(r) - seconds) / seconds
            let sample = min(max(log(seconds / predicted), -limit), limit)
            r.logRatio = r.steps == 0 ? sample : r.logRatio + Self.smoothing * (sample - r.logRatio)
            r.logRatioSum += sample
            r.steps += 1
            ranges[range] = r
        }
    }

    /// Mean error of the fitted model and of the corrected one (as it stood before each step),
    /// per context range that saw any step.
    public var errorsByContext: [LatencyErrorRange] {
        state.withLock { ranges in
            ranges.indices.compactMap { i in
                let r = ranges[i]
                guard r.steps > 0 else { return nil }
                let upper = i + 1 < Self.rangeLowerBounds.count ? Self.rangeLowerBounds[i + 1] : nil
                return LatencyErrorRange(lowerContext: Self.rangeLowerBounds[i], upperContext: upper, steps: r.steps,
                                         baseMeanError: r.baseErrorSum / Double(r.steps),
                                         correctedMeanError: r.correctedErrorSum / Double(r.steps),
                                         factor: Self.factor(r), runFactor: exp(r.logRatioSum / Double(r.steps)))
            }
        }
    }

    private static func factor(_ r: RangeState) -> Double {
        let n = Double(r.steps)
        return exp(r.logRatio * n / (n + priorSteps))
    }
}

/// How far step-time predictions were off in one context range, as fractions of the measured time.
public struct LatencyErrorRange: Sendable, Codable, Hashable {
    /// Mean cached positions per sequence: at least `lowerContext`, below `upperContext` (nil: no bound).
    public var lowerContext: Int
    public var upperContext: Int?
    public var steps: Int
    /// Mean |predicted − measured| / measured of the fitted model alone.
    public var baseMeanError: Double
    /// The same for the corrected predictions the scheduler planned with.
    public var correctedMeanError: Double
    /// The factor the range's predictions are multiplied by now. It follows the last few
    /// dozen steps, so it says what the machine is like at the end of a run.
    public var factor: Double
    /// Geometric mean of measured / fitted over every step of the range: the whole run's
    /// drift from the profile, which one slow stretch at the end does not swing.
    public var runFactor: Double
}

/// Reports written before `runFactor` existed read it as the final factor.
extension LatencyErrorRange {
    private enum CodingKeys: String, CodingKey {
        case lowerContext, upperContext, steps, baseMeanError, correctedMeanError, factor, runFactor
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        lowerContext = try c.decode(Int.self, forKey: .lowerContext)
        upperContext = try c.decodeIfPresent(Int.self, forKey: .upperContext)
        steps = try c.decode(Int.self, forKey: .steps)
        baseMeanError = try c.decode(Double.self, forKey: .baseMeanError)
        correctedMeanError = try c.decode(Double.self, forKey: .correctedMeanError)
        factor = try c.decode(Double.self, forKey: .factor)
        runFactor = try c.decodeIfPresent(Double.self, forKey: .runFactor) ?? factor
    }
}

/// A model's mean error over the steps of one context range, as a fraction of the measured time.
public struct ContextRangeError: Sendable, Codable, Hashable {
    public var lowerContext: Int
    public var upperContext: Int?
    public var steps: Int
    public var meanError: Double
}

extension StepTimePredictor {
    /// Mean |predicted − measured| / measured per context range (`CorrectedLatencyModel`'s ranges).
    public func errorsByContext(_ samples: [LatencySample]) -> [ContextRangeError] {
        let bounds = CorrectedLatencyModel.rangeLowerBounds
        var sums = Array(repeating: (steps: 0, error: 0.0), count: bounds.count)
        for sample in samples where sample.seconds > 0 && sample.seconds.isFinite {
            let range = CorrectedLatencyModel.range(of: sample.features)
            sums[range].steps += 1
            sums[range].error += abs(predict(sample.features) - sample.seconds) / sample.seconds
        }
        return sums.indices.compactMap { i in
            guard sums[i].steps > 0 else { return nil }
            return ContextRangeError(lowerContext: bounds[i], upperContext: i + 1 < bounds.count ? bounds[i + 1] : nil,
                                     steps: sums[i].steps, meanError: sums[i].error / Double(sums[i].steps))
        }
    }
}
