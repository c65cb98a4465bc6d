/// When online requests arrive, in seconds from the start of a run.
///
/// `gamma` with a coefficient of variation (CV) of 1 is Poisson; larger CVs are burstier
/// (arrivals bunch together with long gaps between), which is how vLLM's bench models burstiness
/// (its `--burstiness` is 1/CV²).
public enum ArrivalProcess: Sendable, Equatable {
    case poisson(rate: Double)
    case gamma(rate: Double, cv: Double)

    /// Arrival times in `[0, duration)`.
    public func arrivals(duration: Double, generator: inout SeededGenerator) -> [Double] {
        let (rate, cv): (Double, Double) = switch self {
        case .poisson(let rate): (rate, 1)
        case .gamma(let rate, let cv): (rate, cv)
        }
        guard rate > 0, duration > 0 else { return [] }
        // Gamma inter-arrivals with mean 1/rate and CV: shape 1/CV², scale CV²/rate.
        let shape = 1 / (cv * cv)
        var times: [Double] = []
        var t = 0.0
        while true {
            t += generator.gamma(shape: shape) / (shape * rate)
            if t >= duration { return times }
            times.append(t)
        }
    }
}
