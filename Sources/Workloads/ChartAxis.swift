import Foundation

/// One axis of a chart: the span of values it shows, how values map onto it, and where its
/// labelled ticks go. Ticks fall on round numbers (1, 2, 5 × 10ⁿ) so the labels read at a glance.
struct ChartAxis: Equatable {
    enum Scale: Equatable { case linear, log }

    var scale: Scale
    var lower: Double
    var upper: Double
    var ticks: [Double]

    /// A linear axis over `values`, widened to round numbers; from zero when `fromZero`, since
    /// rates and shares read wrong against a truncated axis.
    static func linear(fitting values: [Double], fromZero: Bool = true) -> ChartAxis {
        let finite = values.filter(\.isFinite)
        var low = fromZero ? min(0, finite.min() ?? 0) : (finite.min() ?? 0)
        var high = finite.max() ?? 1
        if high <= low { high = low + (low == 0 ? 1 : abs(low)) }
        let step = roundStep(for: (high - low) / 5)
        low = (low / step).rounded(.down) * step
        high = (high / step).rounded(.up) * step
        let count = Int(((high - low) / step).rounded())
        // Ticks by multiplication, not repeated addition, so 0.1 steps do not drift to 0.30000000000000004.
        let ticks = (0...count).map { low + Double($0) * step }
        return ChartAxis(scale: .linear, lower: low, upper: high, ticks: ticks)
    }

    /// A logarithmic axis over the positive `values`, from decade to decade; over three decades or
    /// fewer it also ticks 2× and 5×, so the eye can place values between the decades.
    static func log(fitting values: [Double]) -> ChartAxis {
        let positive = values.filter { $0 > 0 && $0.isFinite }
        guard let smallest = positive.min(), let largest = positive.max() else { return linear(fitting: []) }
        let lowDecade = log10(smallest).rounded(.down)
        var highDecade = log10(largest).rounded(.up)
        if highDecade <= lowDecade { highDecade = lowDecade + 1 }
        let multiples: [Double] = highDecade - lowDecade <= 3 ? [1, 2, 5] : [1]
        var ticks: [Double] = []
        for decade in Int(lowDecade)...Int(highDecade) {
            for m in multiples where m == 1 || decade < Int(highDecade) {
                ticks.append(m * pow(10, Double(decade)))
            }
        }
        return ChartAxis(scale: .log, lower: pow(10, lowDecade), upper: pow(10, highDecade), ticks: ticks)
    }

    /// Log when the values spread over more than `spread`× (latencies of a saturated run against
    /// a healthy one), linear otherwise, where a log axis would only hide the differences.
    static func automatic(fitting values: [Double], spread: Double = 50) -> ChartAxis {
        let positive = values.filter { $0 > 0 && $0.isFinite }
        if let low = positive.min(), let high = positive.max(), high / low > spread { return log(fitting: positive) }
        return linear(fitting: values)
    }

    /// Where `value` falls along the axis, 0 at `lower` and 1 at `upper`; values past the ends
    /// (or not positive, on a log axis) are pinned to them.
    func fraction(_ value: Double) -> Double {
        let f: Double
        switch scale {
        case .linear: f = (value - lower) / (upper - lower)
        case .log: f = value > 0 ? (log10(value) - log10(lower)) / (log10(upper) - log10(lower)) : 0
        }
        return f.isFinite ? min(max(f, 0), 1) : 0
    }

    /// The smallest of 1, 2, 5 × 10ⁿ at least `raw`.
    static func roundStep(for raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let magnitude = pow(10, log10(raw).rounded(.down))
        let normalized = raw / magnitude
        return (normalized <= 1 ? 1 : normalized <= 2 ? 2 : normalized <= 5 ? 5 : 10) * magnitude
    }

    /// A tick's label: shortest form, "0.5", "20", "1000", "1e+06".
    static func label(_ value: Double) -> String {
        String(format: "%g", value)
    }
}
