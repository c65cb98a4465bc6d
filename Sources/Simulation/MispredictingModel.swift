import Scheduling

/// The scheduler's latency model in a simulation: the cost model's prediction off by a
/// configurable error, so what mispredictions do is studied rather than assumed away.
///
/// `bias` scales every prediction (−0.2: the scheduler thinks steps take 20% less than they
/// do, so it overfills them). Per-step randomness is the executor's `stepNoise`, on the true
/// side, which keeps this model deterministic and monotone as `maxTokens(fitting:)` needs.
/// `base` is what the scheduler would have: the cost model itself, or a fitted `LatencyModel`
/// without the weight-read floor.
public struct MispredictingModel: StepTimePredictor {
    public let base: any StepTimePredictor
    public let bias: Double

    public init(base: any StepTimePredictor, bias: Double) {
        precondition(bias > -1, "a bias of -100% or less predicts steps as free")
        self.base = base
        self.bias = bias
    }

    public func predict(_ features: StepFeatures) -> Double {
        base.predict(features) * (1 + bias)
    }
}
