import Foundation
import Testing
@testable import Workloads

@Suite struct SVGPlotTests {
    @Test func cdfIsWellFormedWithOnePathPerSeries() {
        let svg = SVGPlot.cdfChart(
            title: "TTFT", xLabel: "TTFT (ms)",
            series: [("a", [12, 30, 18]), ("b", [250, 900]), ("c", [40])], objective: 500)
        let doc = SVGInspection(svg)
        #expect(doc.wellFormed)
        #expect(doc.elements.first == "svg")
        #expect(doc.count("path") == 3)
        #expect(doc.texts.contains("a (n=3)"))
        #expect(doc.texts.contains("objective"))
    }

    @Test func cdfSkipsTheLineOfAnEmptySeries() {
        let doc = SVGInspection(SVGPlot.cdfChart(title: "t", xLabel: "x", series: [("a", [1, 2]), ("none", [])]))
        #expect(doc.wellFormed)
        #expect(doc.count("path") == 1)
        #expect(doc.texts.contains("none (no data)"))
    }

    @Test func cdfStepsUpByOneOverNAtEachValue() throws {
        // Axis 0…30 ms across the 530-pixel panel from x=80; shares 0…1 from y=420 up to y=44.
        let svg = SVGPlot.cdfChart(title: "t", xLabel: "x", series: [("a", [12, 30, 18, 24])])
        let d = try #require(svg.firstMatch(of: /<path d="M([^"]+)"/)?.1)
        let points = d.split(separator: " L").map { $0.split(separator: " ").compactMap { Double($0) } }
        #expect(points.map { $0[0] } == [292, 292, 398, 398, 504, 504, 610, 610])
        #expect(points.map { $0[1] } == [420, 326, 326, 232, 232, 138, 138, 44])
    }

    @Test func escapesTextForXML() {
        let label = #"<run> & "quoted" 'it'"# + "\u{1}"
        let doc = SVGInspection(SVGPlot.cdfChart(title: "a < b", xLabel: "x & y", series: [(label, [1])]))
        #expect(doc.wellFormed)
        #expect(doc.texts.contains(#"<run> & "quoted" 'it' (n=1)"#))
        #expect(doc.texts.contains("a < b"))
    }

    @Test func timelineHasAPanelPerRunWithOnlineAndOfflineLines() throws {
        let records = [
            record(.online, sent: 0, tokens: [0.5, 1.5, 2.5]),
            record(.offline, sent: 0, prompt: 50, tokens: [1, 2, 3], unfinished: true),
        ]
        let timeline = try #require(ThroughputTimeline(records: records, duration: 3, binSeconds: 1))
        let doc = SVGInspection(SVGPlot.timelineChart(title: "load", series: [("x", timeline), ("y & z", timeline)]))
        #expect(doc.wellFormed)
        #expect(doc.count("path") == 4)
        #expect(doc.texts.contains("Online tokens/s"))
        #expect(doc.texts.contains("Offline tokens/s"))
        #expect(doc.texts.contains("x") && doc.texts.contains("y & z"))
        // One time axis label, under the last panel; one rate label per panel.
        #expect(doc.texts.filter { $0 == "Time since start (s)" }.count == 1)
        #expect(doc.texts.filter { $0 == "tokens/s" }.count == 2)
    }

    @Test func writesThreeWellFormedFiles() throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("workloads-plots-\(UUID().uuidString)").appendingPathComponent("nested").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let paths = try sampleReport().writePlots(to: directory, binSeconds: 1)
        #expect(paths.map { URL(fileURLWithPath: $0).lastPathComponent } == ["ttft.svg", "tpot.svg", "timeline.svg"])
        for path in paths {
            let doc = SVGInspection(try String(contentsOfFile: path, encoding: .utf8))
            #expect(doc.wellFormed, "\(path)")
        }
        // conserve completed two online requests; llama.cpp none, so it draws no CDF line.
        let ttft = SVGInspection(try String(contentsOfFile: paths[0], encoding: .utf8))
        #expect(ttft.count("path") == 1)
        #expect(ttft.texts.contains("llama.cpp (no data)"))
        let timeline = SVGInspection(try String(contentsOfFile: paths[2], encoding: .utf8))
        #expect(timeline.count("path") == 4)
    }
}

@Suite struct ChartAxisTests {
    @Test func linearTicksFallOnRoundNumbers() {
        let axis = ChartAxis.linear(fitting: [3, 37])
        #expect(axis.lower == 0)
        #expect(axis.upper == 40)
        #expect(axis.ticks == [0, 10, 20, 30, 40])
        #expect(ChartAxis.linear(fitting: [0, 1]).ticks.map(ChartAxis.label) == ["0", "0.2", "0.4", "0.6", "0.8", "1"])
    }

    @Test func logAxisSpansWholeDecades() {
        let axis = ChartAxis.log(fitting: [20, 4500])
        #expect(axis.lower == 10)
        #expect(axis.upper == 10_000)
        #expect(axis.ticks == [10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000])
        #expect(ChartAxis.log(fitting: [0.5, 1e5]).ticks == [0.1, 1, 10, 100, 1000, 10_000, 100_000])
        #expect(abs(axis.fraction(100) - 1.0 / 3) < 1e-12)
    }

    @Test func goesLogOnlyForWideSpreads() {
        #expect(ChartAxis.automatic(fitting: [20, 4500]).scale == .log)
        #expect(ChartAxis.automatic(fitting: [20, 80]).scale == .linear)
        #expect(ChartAxis.automatic(fitting: []).scale == .linear)
    }

    @Test func pinsValuesOutsideTheAxis() {
        let axis = ChartAxis.log(fitting: [10, 100])
        #expect(axis.fraction(0) == 0)
        #expect(axis.fraction(1e9) == 1)
    }
}
