/// The report's charts as standalone SVG documents, drawn by hand so the module needs nothing
/// beyond Foundation: latency distributions as empirical CDFs, and throughput over time.
public enum SVGPlot {
    /// Empirical CDFs of one latency, one line per series (one per run), in milliseconds.
    /// The x axis turns logarithmic when the values spread over more than 50×, as a saturated run
    /// beside a healthy one does; otherwise it is linear from zero. A series without values is
    /// listed in the legend as having no data and draws no line. An `objective` (same unit) is
    /// marked by a dashed vertical line, so the share of requests within it reads off the chart.
    public static func cdfChart(
        title: String, xLabel: String, series: [(label: String, values: [Double])], objective: Double? = nil
    ) -> String {
        var chart = SVGChart(title: title)
        let panel = SVGChart.Panel(
            left: 80, top: 44, width: chart.plotRight - 100, height: chart.height - 104,
            x: .automatic(fitting: series.flatMap(\.values) + (objective.map { [$0] } ?? [])),
            y: .linear(fitting: [0, 1]))
        chart.axes(panel, xLabel: xLabel, yLabel: "Fraction of requests")
        if let objective {
            let x = panel.position(objective, 0).x
            chart.line(x, panel.top, x, panel.top + panel.height, stroke: "#555555", dashed: true)
            chart.text("objective", x: x + 4, y: panel.top + 12, size: 10)
        }
        var legend: [(label: String, color: String)] = []
        for (index, entry) in series.enumerated() {
            let color = SVGChart.color(index)
            let sorted = entry.values.filter(\.isFinite).sorted()
            legend.append((sorted.isEmpty ? "\(entry.label) (no data)" : "\(entry.label) (n=\(sorted.count))", color))
            guard !sorted.isEmpty else { continue }
            // A step up by 1/n at each value: the share of requests at or below x.
            let n = Double(sorted.count)
            let points = sorted.enumerated().flatMap { rank, value in
                [panel.position(value, Double(rank) / n), panel.position(value, Double(rank + 1) / n)]
            }
            chart.path(points, color: color)
        }
        chart.legend(legend)
        return chart.render()
    }

    /// Online and offline tokens/s over time, one small panel per run (small multiples), all on
    /// the same time and rate axes: each panel shows its run's online load and the offline
    /// throughput harvested beside it, so runs compare panel against panel instead of five
    /// lines crossing in one plot. The run's name labels its panel.
    public static func timelineChart(title: String, series: [(label: String, timeline: ThroughputTimeline)]) -> String {
        let panelHeight = 88.0, gap = 26.0
        let height = 44 + Double(max(series.count, 1)) * (panelHeight + gap) + 40
        var chart = SVGChart(height: height, title: title)
        let time = ChartAxis.linear(fitting: series.flatMap { $0.timeline.bins.map(\.end) })
        let rate = ChartAxis.linear(fitting: series.flatMap { entry in entry.timeline.bins.flatMap { [$0[.online], $0[.offline]] } })
        let colors: [(WorkClass, String)] = [(.online, SVGChart.color(0)), (.offline, SVGChart.color(1))]
        for (row, entry) in series.enumerated() {
            let panel = SVGChart.Panel(left: 80, top: 44 + Double(row) * (panelHeight + gap), width: chart.plotRight - 100,
                                       height: panelHeight, x: time, y: rate)
            let last = row == series.count - 1
            chart.axes(panel, xLabel: last ? "Time since start (s)" : nil, yLabel: "tokens/s")
            chart.text(entry.label, x: panel.left + 6, y: panel.top - 6, size: 12, weight: "bold")
            for (workClass, color) in colors {
                // Flat across each bin: a bin's rate is an average over it, not a sample at a point.
                let points = entry.timeline.bins.flatMap { bin in
                    [panel.position(bin.start, bin[workClass]), panel.position(bin.end, bin[workClass])]
                }
                chart.path(points, color: color)
            }
        }
        chart.legend([("Online tokens/s", colors[0].1), ("Offline tokens/s", colors[1].1)])
        return chart.render()
    }
}
