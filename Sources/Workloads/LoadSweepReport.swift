import Foundation
import Scheduling

/// The paper's way of measuring co-serving: the online capacity found first (the highest rate at
/// which online-only meets both objectives at P99), then every run at fractions of it, each on
/// several windows of the trace; each figure is reported as its mean and range over the windows.
public struct LoadSweepReport: Codable, Sendable, Equatable {
    public var objective: ServiceLevelObjective
    /// The capacity search, when one ran.
    public var capacity: CapacitySearch?
    /// Static budgets tried for `priority` per load fraction, when tuned.
    public var priorityTuning: [PriorityTuning]
    /// One report per load fraction and window.
    public var cells: [Cell]

    public struct Cell: Codable, Sendable, Equatable {
        /// Share of the capacity (nil when the load came from --online-load or --rate-scale).
        public var fraction: Double?
        /// 0-based index of the trace window.
        public var window: Int
        public var report: ServeReport

        public init(fraction: Double?, window: Int, report: ServeReport) {
            self.fraction = fraction
            self.window = window
            self.report = report
        }
    }

    public struct PriorityTuning: Codable, Sendable, Equatable {
        public var fraction: Double?
        /// Each budget tried, largest first, and whether it met both objectives at P99.
        public var trials: [CapacitySearch.Trial]
        /// The largest budget that met them; nil when none did.
        public var budget: Int?

        public init(fraction: Double?, trials: [CapacitySearch.Trial], budget: Int?) {
            self.fraction = fraction
            self.trials = trials
            self.budget = budget
        }
    }

    public init(objective: ServiceLevelObjective, capacity: CapacitySearch?, priorityTuning: [PriorityTuning] = [], cells: [Cell]) {
        self.objective = objective
        self.capacity = capacity
        self.priorityTuning = priorityTuning
        self.cells = cells
    }

    /// Reads what `bench serve --json` or `simulate --json` wrote: a sweep, or the one report
    /// of a run without fractions, windows or a capacity search (as a sweep of one cell).
    public init(json data: Data) throws {
        let decoder = JSONDecoder()
        if let sweep = try? decoder.decode(LoadSweepReport.self, from: data) {
            self = sweep
        } else {
            let report = try decoder.decode(ServeReport.self, from: data)
            self.init(objective: report.objective, capacity: nil, cells: [Cell(fraction: nil, window: 0, report: report)])
        }
    }

    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    /// The fractions in the order they ran.
    public var fractions: [Double?] {
        var seen: [Double?] = []
        for cell in cells where !seen.contains(cell.fraction) { seen.append(cell.fraction) }
        return seen
    }

    /// Run labels in the order they ran.
    public var labels: [String] {
        var seen: [String] = []
        for cell in cells { for run in cell.report.runs where !seen.contains(run.label) { seen.append(run.label) } }
        return seen
    }

    /// One figure of one run over the windows of one fraction; nil where no window has it.
    public func spread(_ label: String, fraction: Double?, _ figure: (RunResult) -> Double?) -> Spread? {
        let values = cells.filter { $0.fraction == fraction }.compactMap { cell in
            cell.report.runs.first { $0.label == label }.flatMap(figure)
        }.filter(\.isFinite)
        return Spread(values)
    }

    /// The figures the paper compares, per load fraction: a table per fraction, a column per run.
    public func table() -> String {
        var out: [String] = []
        let slo = "TTFT ≤ \(ServeReport.plain(objective.ttft * 1000)) ms, TPOT ≤ \(ServeReport.plain(objective.tpot * 1000)) ms"
        if let capacity, capacity.trials.isEmpty {
            out.append("Online capacity: \(ServeReport.fixed(capacity.rate, 3)) req/s, given (--capacity), not searched")
            out.append("")
        } else if let capacity {
            out.append("Online capacity (online-only meets \(slo) at P99): \(ServeReport.fixed(capacity.rate, 3)) req/s, bracket "
                + "[\(ServeReport.fixed(capacity.low, 3)), \(capacity.high.map { ServeReport.fixed($0, 3) } ?? "not found")] "
                + "after \(capacity.trials.count) runs of \(ServeReport.plain(capacity.runSeconds)) s")
            out.append("")
        }
        for tuning in priorityTuning {
            let tried = tuning.trials.map { "\(Int($0.rate)) \($0.meets ? "meets" : "misses")" }.joined(separator: ", ")
            out.append("priority tuned at \(Self.fractionName(tuning.fraction)): \(tuning.budget.map { "budget \($0)" } ?? "no budget meets the objectives") (\(tried))")
        }
        if !priorityTuning.isEmpty { out.append("") }
        let rows: [(String, (RunResult) -> Double?, Int)] = [
            ("SLO attainment (%)", { $0.metrics.online.sloAttainment.map { $0 * 100 } }, 1),
            ("Online TTFT median (ms)", { $0.metrics.online.ttft?.median }, 0),
            ("Online TTFT P99 (ms)", { $0.metrics.online.ttft?.p99 }, 0),
            ("Online TPOT median (ms)", { $0.metrics.online.tpot?.median }, 1),
            ("Online TPOT P99 (ms)", { $0.metrics.online.tpot?.p99 }, 1),
            ("Online requests failed", { Double($0.metrics.online.failed) }, 0),
            ("Offline tokens/s", { $0.metrics.offline.tokensPerSecond }, 1),
            ("Layer preemptions", { $0.engine.map { Double($0.layerPreemptions) } }, 0),
            ("Pause / recompute preemptions", { $0.engine.map { Double($0.pausePreemptions + $0.recomputePreemptions) } }, 0),
        ]
        let labels = labels
        for fraction in fractions {
            let windows = Set(cells.filter { $0.fraction == fraction }.map(\.window)).count
            let rate = cells.first { $0.fraction == fraction }?.report.workload["online_rate_rps"] ?? "–"
            out.append("### \(Self.fractionName(fraction)): \(rate) online req/s, \(windows) window\(windows == 1 ? "" : "s") (mean, and range over windows); \(slo)")
            out.append("")
            out.append("| Metric | " + labels.map(ServeReport.cell).joined(separator: " | ") + " |")
            out.append("|:--|" + String(repeating: "--:|", count: labels.count))
            for (name, figure, decimals) in rows {
                let cells = labels.map { spread($0, fraction: fraction, figure)?.text(decimals) ?? "–" }
                out.append("| \(name) | " + cells.joined(separator: " | ") + " |")
            }
            out.append("")
            out.append(contentsOf: targets(fraction: fraction))
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// The issue's targets, where the runs they compare are present: conserve against
    /// online-only (attainment, P99 TTFT), against fcfs and the tuned priority (offline).
    func targets(fraction: Double?) -> [String] {
        func mean(_ label: String, _ figure: (RunResult) -> Double?) -> Double? { spread(label, fraction: fraction, figure)?.mean }
        var lines: [String] = []
        let attainment: (RunResult) -> Double? = { $0.metrics.online.sloAttainment.map { $0 * 100 } }
        let p99: (RunResult) -> Double? = { $0.metrics.online.ttft?.p99 }
        let offline: (RunResult) -> Double? = { $0.metrics.offline.tokensPerSecond }
        if let c = mean("conserve", attainment), let o = mean("online-only", attainment) {
            lines.append("- conserve's SLO attainment minus online-only's: \(ServeReport.fixed(c - o, 1)) points (target ≥ −1)")
        }
        if let c = mean("conserve", p99), let o = mean("online-only", p99), o > 0 {
            lines.append("- conserve's P99 TTFT / online-only's: \(ServeReport.fixed(c / o, 2))× (target ≤ 1.2×)")
        }
        if let c = mean("conserve", offline), let f = mean("fcfs", offline), f > 0 {
            lines.append("- conserve's offline tokens/s / fcfs's: \(ServeReport.fixed(100 * c / f, 0))%")
        }
        if let c = mean("conserve", offline), let tuned = labels.first(where: { $0.hasPrefix("priority@") }),
           let p = mean(tuned, offline), p > 0 {
            lines.append("- conserve's offline tokens/s / \(tuned)'s: \(ServeReport.fixed(c / p, 2))× (target ≥ 1.5×)")
        }
        return lines.isEmpty ? [] : lines + [""]
    }

    public static func fractionName(_ fraction: Double?) -> String {
        fraction.map { "\(ServeReport.plain($0)) of capacity" } ?? "the given load"
    }
}

/// A figure over several windows: its mean and range.
public struct Spread: Codable, Sendable, Equatable {
    public var mean: Double
    public var min: Double
    public var max: Double
    public var count: Int

    public init?(_ values: [Double]) {
        guard let lo = values.min(), let hi = values.max() else { return nil }
        mean = values.reduce(0, +) / Double(values.count)
        min = lo
        max = hi
        count = values.count
    }

    /// "81.2", or "81.2 (78.0–84.5)" over several windows.
    public func text(_ decimals: Int) -> String {
        let m = ServeReport.fixed(mean, decimals)
        return count < 2 ? m : "\(m) (\(ServeReport.fixed(min, decimals))–\(ServeReport.fixed(max, decimals)))"
    }
}

/// The online capacity: the highest online rate at which online-only meets both objectives at
/// P99, by bisection on short runs.
public struct CapacitySearch: Codable, Sendable, Equatable {
    public struct Trial: Codable, Sendable, Equatable {
        /// Requests per second (for priority tuning: the static token budget).
        public var rate: Double
        public var ttftP99Ms: Double?
        public var tpotP99Ms: Double?
        public var sloAttainment: Double?
        public var meets: Bool

        public init(rate: Double, metrics: ServeMetrics, objective: ServiceLevelObjective) {
            self.rate = rate
            ttftP99Ms = metrics.online.ttft?.p99
            tpotP99Ms = metrics.online.tpot?.p99
            sloAttainment = metrics.online.sloAttainment
            meets = Self.meets(metrics, objective)
        }

        /// Both objectives met at P99, and every online request finished.
        public static func meets(_ metrics: ServeMetrics, _ objective: ServiceLevelObjective) -> Bool {
            guard let ttft = metrics.online.ttft, metrics.online.failed == 0, metrics.online.unfinished == 0 else { return false }
            let tpotOK = metrics.online.tpot.map { $0.p99 <= objective.tpot * 1000 } ?? true
            return ttft.p99 <= objective.ttft * 1000 && tpotOK
        }
    }

    /// The highest rate that met the objectives (what the load fractions multiply).
    public var rate: Double { low }
    /// Highest rate that met them, and lowest that did not (nil if none failed within the search).
    public var low: Double
    public var high: Double?
    public var trials: [Trial]
    /// Seconds of arrivals per trial run.
    public var runSeconds: Double

    public init(low: Double, high: Double?, trials: [Trial], runSeconds: Double) {
        self.low = low
        self.high = high
        self.trials = trials
        self.runSeconds = runSeconds
    }

    /// Brackets the capacity from `start` (doubling or halving until one rate meets and one does
    /// not), then bisects the bracket geometrically `steps` times. `trial(rate)` runs online-only
    /// at that rate. Throws when no rate down to `start / 64` meets the objectives.
    public static func search(start: Double, steps: Int, runSeconds: Double,
                              trial: (Double) async throws -> Trial) async throws -> CapacitySearch {
        var trials: [Trial] = []
        func run(_ rate: Double) async throws -> Bool {
            let t = try await trial(rate)
            trials.append(t)
            return t.meets
        }
        var low: Double?, high: Double?
        var rate = start
        if try await run(rate) {
            low = rate
            for _ in 0 ..< 6 {
                rate *= 2
                if try await run(rate) { low = rate } else { high = rate; break }
            }
        } else {
            high = rate
            for _ in 0 ..< 6 {
                rate /= 2
                if try await run(rate) { low = rate; break } else { high = rate }
            }
        }
        guard var lo = low else { throw CapacitySearchError(trials: trials) }
        if var hi = high {
            for _ in 0 ..< steps {
                let middle = (lo * hi).squareRoot()
                if try await run(middle) { lo = middle } else { hi = middle }
            }
            high = hi
        }
        return CapacitySearch(low: lo, high: high, trials: trials, runSeconds: runSeconds)
    }
}

public struct CapacitySearchError: Error, CustomStringConvertible {
    public var trials: [CapacitySearch.Trial]
    public var description: String {
        "online-only met the objectives at no rate tried (down to \(trials.last.map { ServeReport.fixed($0.rate, 4) } ?? "?") req/s); loosen --slo-ttft-ms/--slo-tpot-ms"
    }
}
