import Foundation

extension ServeReport {
    /// Writes the report's charts into `directory` (created if missing): `ttft.svg` and
    /// `tpot.svg`, the CDFs of completed online requests per run, and `timeline.svg`, online
    /// against offline tokens/s over time. Bins are `binSeconds` wide, or about 1/60 of the
    /// longest window rounded to 1, 2 or 5 × 10ⁿ s. Returns the paths written, in that order.
    @discardableResult
    public func writePlots(to directory: String, binSeconds: Double? = nil) throws -> [String] {
        let folder = URL(fileURLWithPath: directory, isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)

        func online(_ latency: (RequestRecord) -> Double?) -> [(label: String, values: [Double])] {
            runs.map { run in
                let completed = run.records.filter { $0.workClass == .online && $0.succeeded }
                return (run.label, completed.compactMap(latency).map { $0 * 1000 })
            }
        }
        let longest = runs.map(\.metrics.duration).max() ?? 0
        let bin = binSeconds ?? ChartAxis.roundStep(for: longest / 60)
        let timelines = runs.compactMap { run in run.timeline(binSeconds: bin).map { (run.label, $0) } }

        let charts = [
            ("ttft.svg", SVGPlot.cdfChart(title: "Online time to first token", xLabel: "TTFT (ms)", series: online(\.ttft),
                objective: objective.ttft * 1000)),
            ("tpot.svg", SVGPlot.cdfChart(title: "Online time per output token", xLabel: "TPOT (ms)", series: online(\.tpot),
                objective: objective.tpot * 1000)),
            ("timeline.svg", SVGPlot.timelineChart(
                title: "Online load against offline throughput (\(ChartAxis.label(bin)) s bins)", series: timelines)),
        ]
        return try charts.map { name, svg in
            let file = folder.appendingPathComponent(name)
            try Data(svg.utf8).write(to: file, options: .atomic)
            return file.path
        }
    }
}
