import Foundation

/// The simulator held against the real engine: the same workload run by `bench serve` (measured)
/// and by `simulate --cost-model cpu` (simulated), compared figure by figure for every run and
/// load fraction both have, each figure averaged over the windows first.
///
/// The tolerances are issue 14's targets: medians within 10%, P99s within 20%, offline tokens/s
/// within 5%, preemption counts within 20%.
public struct SimulatorValidation: Codable, Sendable, Equatable {
    public struct Check: Codable, Sendable, Equatable {
        public var fraction: Double?
        public var run: String
        public var figure: String
        public var measured: Double
        public var simulated: Double
        /// |simulated − measured| / measured; infinite where only the measured figure is 0.
        public var relativeError: Double
        public var tolerance: Double
        public var holds: Bool { relativeError <= tolerance }
    }

    public var checks: [Check]

    /// A figure the validation compares, and how close the simulator must come.
    struct Figure: Sendable {
        var name: String
        var tolerance: Double
        var value: @Sendable (RunResult) -> Double?
    }

    static let figures: [Figure] = [
        Figure(name: "online TTFT median", tolerance: 0.10) { $0.metrics.online.ttft?.median },
        Figure(name: "online TPOT median", tolerance: 0.10) { $0.metrics.online.tpot?.median },
        Figure(name: "online TTFT P99", tolerance: 0.20) { $0.metrics.online.ttft?.p99 },
        Figure(name: "online TPOT P99", tolerance: 0.20) { $0.metrics.online.tpot?.p99 },
        Figure(name: "offline tokens/s", tolerance: 0.05) { run in
            run.metrics.offline.completed + run.metrics.offline.unfinished > 0 ? run.metrics.offline.tokensPerSecond : nil
        },
        Figure(name: "preemptions", tolerance: 0.20) { run in
            run.engine.map { Double($0.layerPreemptions + $0.pausePreemptions + $0.recomputePreemptions) }
        },
    ]

    /// Pairs `measured` and `simulated` by load fraction and run label; a figure is compared
    /// where both reports have it in at least one window.
    public init(measured: LoadSweepReport, simulated: LoadSweepReport) {
        checks = []
        for fraction in measured.fractions where simulated.fractions.contains(fraction) {
            for label in measured.labels where simulated.labels.contains(label) {
                for figure in Self.figures {
                    guard let m = measured.spread(label, fraction: fraction, figure.value)?.mean,
                          let s = simulated.spread(label, fraction: fraction, figure.value)?.mean else { continue }
                    let error = m == 0 ? (s == 0 ? 0 : .infinity) : abs(s - m) / m
                    checks.append(Check(fraction: fraction, run: label, figure: figure.name, measured: m, simulated: s,
                                        relativeError: error, tolerance: figure.tolerance))
                }
            }
        }
    }

    public var holds: Bool { checks.allSatisfy(\.holds) }

    /// One row per figure, a column per run, per load fraction: "measured / simulated (error)".
    public func table() -> String {
        var out: [String] = []
        var fractions: [Double?] = []
        for check in checks where !fractions.contains(check.fraction) { fractions.append(check.fraction) }
        for fraction in fractions {
            let here = checks.filter { $0.fraction == fraction }
            var runs: [String] = []
            for check in here where !runs.contains(check.run) { runs.append(check.run) }
            out.append("### Simulator vs engine, \(LoadSweepReport.fractionName(fraction)): measured / simulated (error; ✗ beyond the target)")
            out.append("")
            out.append("| Figure (target) | " + runs.joined(separator: " | ") + " |")
            out.append("|:--|" + String(repeating: "--:|", count: runs.count))
            for figure in Self.figures {
                let cells = runs.map { run -> String in
                    guard let check = here.first(where: { $0.run == run && $0.figure == figure.name }) else { return "–" }
                    let error = check.relativeError.isFinite ? "\(ServeReport.fixed(check.relativeError * 100, 0))%" : "∞"
                    return "\(Self.number(check.measured)) / \(Self.number(check.simulated)) (\(error)\(check.holds ? "" : " ✗"))"
                }
                out.append("| \(figure.name) (±\(ServeReport.plain(figure.tolerance * 100))%) | " + cells.joined(separator: " | ") + " |")
            }
            out.append("")
        }
        let missed = checks.filter { !$0.holds }.count
        out.append("\(checks.count - missed) of \(checks.count) figures within their target")
        return out.joined(separator: "\n") + "\n"
    }

    private static func number(_ x: Double) -> String { ServeReport.fixed(x, x >= 100 ? 0 : 1) }
}
