import Scheduling
import Foundation

/// Everything one `conserve bench serve` invocation measured: the workload, the objective, and
/// one run per engine or policy, side by side. One JSON document, and one markdown table.
public struct ServeReport: Codable, Sendable, Equatable {
    /// How the workload was built (trace, rates, duration, model, seed…), as the command line gave it.
    public var workload: [String: String]
    public var objective: ServiceLevelObjective
    public var runs: [RunResult]

    public init(workload: [String: String], objective: ServiceLevelObjective, runs: [RunResult]) {
        self.workload = workload
        self.objective = objective
        self.runs = runs
    }

    /// The report as JSON, keys sorted so two reports diff line by line.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    /// The runs compared in one markdown table: a row per figure, a column per run.
    /// A figure a run does not have (no engine counters, no data) reads "–".
    public func table() -> String {
        let slo = "TTFT ≤ \(Self.plain(objective.ttft * 1000)) ms, TPOT ≤ \(Self.plain(objective.tpot * 1000)) ms"
        let rows: [(String, (RunResult) -> String?)] = [
            ("Online requests completed", { "\($0.metrics.online.completed)" }),
            ("Online requests failed", { "\($0.metrics.online.failed)" }),
            ("Online TTFT mean (ms)", { $0.metrics.online.ttft.map { Self.ms($0.mean) } }),
            ("Online TTFT median (ms)", { $0.metrics.online.ttft.map { Self.ms($0.median) } }),
            ("Online TTFT P90 (ms)", { $0.metrics.online.ttft.map { Self.ms($0.p90) } }),
            ("Online TTFT P99 (ms)", { $0.metrics.online.ttft.map { Self.ms($0.p99) } }),
            ("Online TPOT mean (ms)", { $0.metrics.online.tpot.map { Self.ms($0.mean) } }),
            ("Online TPOT median (ms)", { $0.metrics.online.tpot.map { Self.ms($0.median) } }),
            ("Online TPOT P99 (ms)", { $0.metrics.online.tpot.map { Self.ms($0.p99) } }),
            ("Online ITL P99 (ms)", { $0.metrics.online.itl.map { Self.ms($0.p99) } }),
            ("Online E2EL P99 (ms)", { $0.metrics.online.e2el.map { Self.ms($0.p99) } }),
            ("SLO attainment (%), \(slo)", { $0.metrics.online.sloAttainment.map { Self.fixed($0 * 100, 1) } }),
            ("Goodput (req/s)", { $0.metrics.online.goodput.map { Self.fixed($0, 2) } }),
            ("Offline requests completed", { "\($0.metrics.offline.completed)" }),
            ("Offline tokens/s", { Self.fixed($0.metrics.offline.tokensPerSecond, 1) }),
            ("Offline tokens computed/s (engine)", { run in
                run.engine.map { Self.fixed(Double($0.offlineComputedTokens) / max(run.metrics.duration, 1e-9), 1) }
            }),
            ("Total tokens/s", { Self.fixed($0.metrics.totalTokensPerSecond, 1) }),
            ("Layer preemptions", { $0.engine.map { "\($0.layerPreemptions)" } }),
            ("Recompute preemptions", { $0.engine.map { "\($0.recomputePreemptions)" } }),
            ("Pause preemptions", { $0.engine.map { "\($0.pausePreemptions)" } }),
            ("Restored tokens", { $0.engine.map { "\($0.restoredTokens)" } }),
            ("Recomputed tokens", { $0.engine.map { "\($0.recomputedTokens)" } }),
            ("KV loans / moved / borrowers preempted (ecoserve)", { run in
                run.engine.flatMap { $0.kvLoans + $0.kvLoanMoves + $0.kvLoanPreemptions == 0 ? nil
                    : "\($0.kvLoans) / \($0.kvLoanMoves) / \($0.kvLoanPreemptions)" }
            }),
            ("Length prediction: within / relative error (ecoserve)", { run in
                run.engine.flatMap { $0.predictedRequests == 0 ? nil
                    : "\(Self.fixed($0.predictionCoverage * 100, 1))% / \(Self.fixed($0.predictionRelativeError * 100, 1))%" }
            }),
            ("Peak KV usage (%)", { $0.peakKVUsage.map { Self.fixed($0 * 100, 1) } }),
            ("Step-time error, fitted / corrected (% mean)", { run in
                run.engine?.latencyError.map { "\(Self.fixed($0.fitted * 100, 1)) / \(Self.fixed($0.corrected * 100, 1))" }
            }),
        ]
        var lines = [
            "| Metric | " + runs.map { Self.cell($0.label) }.joined(separator: " | ") + " |",
            "|:--|" + String(repeating: "--:|", count: runs.count),
        ]
        for (name, value) in rows {
            let cells = runs.map { value($0) ?? "–" }
            lines.append("| \(Self.cell(name)) | " + cells.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Milliseconds with as many decimals as matter at that size: 1234, 56.7, 8.90.
    static func ms(_ value: Double) -> String {
        let magnitude = abs(value)
        return fixed(value, magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : 2)
    }

    /// A setting as written: "500", "0.5", no trailing zeros.
    static func plain(_ value: Double) -> String { String(format: "%g", value) }

    static func fixed(_ value: Double, _ decimals: Int) -> String {
        guard value.isFinite else { return "–" }
        return String(format: "%.\(decimals)f", value)
    }

    /// Text made safe for a markdown table cell: a pipe would start a new column, a newline a new row.
    static func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }
}
