import Foundation

/// How online arrivals and lengths are drawn from a trace.
public struct OnlineWorkloadSpec: Sendable {
    /// The trace: lengths always come from it; arrivals too unless `arrivalCV` is set.
    public var rows: [TraceRow]
    /// nil: the trace's own arrival times. A number: gamma arrivals with this coefficient of
    /// variation (1 = Poisson, larger = burstier), lengths drawn from the trace.
    public var arrivalCV: Double?
    /// Where the window starts in the trace, in trace seconds.
    public var traceStart: Double = 0
    /// Seconds of arrivals in the run.
    public var duration: Double
    /// Target share of the engine's time that online work takes (0.4 = 40%). When nil, the
    /// trace's rate is multiplied by `rateScale`.
    public var onlineLoad: Double?
    public var rateScale: Double = 1
    /// Online requests per second, when set: ahead of `onlineLoad` and `rateScale` (the
    /// capacity search and load fractions of `bench serve` set rates directly).
    public var targetRate: Double?
    /// Prompt and output lengths are multiplied by this, then clipped.
    public var lengthScale: Double = 1
    public var maxPromptTokens: Int
    public var maxOutputTokens: Int
    public var seed: UInt64 = 0

    public init(rows: [TraceRow], duration: Double, maxPromptTokens: Int, maxOutputTokens: Int) {
        self.rows = rows
        self.duration = duration
        self.maxPromptTokens = maxPromptTokens
        self.maxOutputTokens = maxOutputTokens
    }

    /// A trace row's lengths after scaling and clipping.
    public func lengths(_ row: TraceRow) -> (prompt: Int, output: Int) {
        let prompt = min(max(Int((Double(row.promptTokens) * lengthScale).rounded()), 1), maxPromptTokens)
        let output = min(max(Int((Double(row.outputTokens) * lengthScale).rounded()), 1), maxOutputTokens)
        return (prompt, output)
    }
}

/// Online arrivals with their lengths, and the load they put on the engine.
public struct OnlinePlan: Sendable {
    public struct Arrival: Sendable, Equatable {
        public var time: Double
        public var promptTokens: Int
        public var outputTokens: Int
    }

    public var arrivals: [Arrival]
    /// Requests per second the plan aims at.
    public var rate: Double
    /// Mean prompt + output tokens per request (scaled and clipped) in the trace window.
    public var meanTokens: Double
    /// Mean engine seconds per request in the trace window (see `EngineCapacity.workSeconds`).
    public var meanWork: Double
    /// The trace's own request rate in the window, before scaling.
    public var traceRate: Double
    /// The load the plan's arrivals actually offer: their engine seconds over the duration.
    public var offeredLoad: Double
    public var duration: Double
}

public enum OnlineWorkload {
    /// Trace seconds used to estimate the window's natural rate and mean lengths.
    static let statisticsWindow = 600.0

    /// Scales the trace so online work keeps the engine busy `onlineLoad` of the time:
    /// rate = load / mean engine seconds per request, where `work(prompt, output)` is a
    /// request's engine seconds (from the latency model).
    public static func plan(_ spec: OnlineWorkloadSpec, work: (_ prompt: Int, _ output: Int) -> Double) throws -> OnlinePlan {
        let window = spec.rows.filter { $0.arrival >= spec.traceStart }
        guard window.count >= 2 else {
            throw WorkloadDataError("the trace has fewer than 2 requests after --trace-start \(spec.traceStart) s")
        }
        let sample = window.prefix { $0.arrival < spec.traceStart + statisticsWindow }
        let statistics = sample.count >= 10 ? Array(sample) : window
        let meanTokens = statistics.reduce(0.0) { sum, row in
            let (p, o) = spec.lengths(row)
            return sum + Double(p + o)
        } / Double(statistics.count)
        let meanWork = statistics.reduce(0.0) { sum, row in
            let (p, o) = spec.lengths(row)
            return sum + work(p, o)
        } / Double(statistics.count)
        let span = max(statistics.last!.arrival - statistics.first!.arrival, 1e-9)
        let traceRate = Double(statistics.count - 1) / span
        var rate = spec.targetRate ?? spec.onlineLoad.map { $0 / meanWork } ?? traceRate * spec.rateScale
        guard rate > 0, rate.isFinite else { throw WorkloadDataError("the online rate is not positive (\(rate) req/s)") }

        var arrivals: [OnlinePlan.Arrival] = []
        if let cv = spec.arrivalCV {
            var generator = SeededGenerator(seed: spec.seed)
            for time in ArrivalProcess.gamma(rate: rate, cv: cv).arrivals(duration: spec.duration, generator: &generator) {
                let row = window[Int(generator.next() % UInt64(window.count))]
                let (p, o) = spec.lengths(row)
                arrivals.append(.init(time: time, promptTokens: p, outputTokens: o))
            }
        } else {
            // Run seconds per trace second: slower than the trace when the target rate is lower.
            var stretch = traceRate / rate
            arrivals = replay(window, spec, stretch: stretch)
            // The window's own requests can be longer or denser than the trace's average: with a
            // target load, the stretch is found by bisection (the offered load falls as the
            // stretch grows) so that the arrivals offer that load.
            if let target = spec.targetRate {
                // A few seconds of a trace hold however many requests its bursts put there, so
                // the stretch is found by bisection (arrivals fall as it grows) such that the
                // run holds `rate × duration` of them, in the window's own pattern.
                let wanted = max(1, Int((target * spec.duration).rounded()))
                var low = stretch / 1000, high = stretch * 1000 // count(low) ≥ wanted > count(high)
                for _ in 0 ..< 60 where high / low > 1.0001 {
                    let middle = (low * high).squareRoot()
                    if replay(window, spec, stretch: middle).count >= wanted { low = middle } else { high = middle }
                }
                stretch = low
                arrivals = replay(window, spec, stretch: stretch)
                rate = Double(arrivals.count) / spec.duration
            } else if let target = spec.onlineLoad {
                func offered(_ stretch: Double) -> Double { load(of: replay(window, spec, stretch: stretch), spec, work) }
                var low = stretch / 1000, high = stretch * 1000 // offered(low) ≥ target ≥ offered(high)
                for _ in 0 ..< 60 where high / low > 1.0001 {
                    let middle = (low * high).squareRoot()
                    if offered(middle) >= target { low = middle } else { high = middle }
                }
                stretch = low
                arrivals = replay(window, spec, stretch: stretch)
                rate = traceRate / stretch
            }
        }
        let offered = load(of: arrivals, spec, work)
        return OnlinePlan(arrivals: arrivals, rate: rate, meanTokens: meanTokens, meanWork: meanWork, traceRate: traceRate,
                          offeredLoad: offered, duration: spec.duration)
    }

    /// The share of the run's duration that `arrivals` keep the engine busy.
    static func load(of arrivals: [OnlinePlan.Arrival], _ spec: OnlineWorkloadSpec, _ work: (Int, Int) -> Double) -> Double {
        arrivals.reduce(0.0) { $0 + work($1.promptTokens, $1.outputTokens) } / spec.duration
    }

    static func replay(_ window: [TraceRow], _ spec: OnlineWorkloadSpec, stretch: Double) -> [OnlinePlan.Arrival] {
        var arrivals: [OnlinePlan.Arrival] = []
        for row in window {
            let time = (row.arrival - spec.traceStart) * stretch
            if time >= spec.duration { break }
            let (p, o) = spec.lengths(row)
            arrivals.append(.init(time: time, promptTokens: p, outputTokens: o))
        }
        return arrivals
    }
}
