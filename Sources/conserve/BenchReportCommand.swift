import ArgumentParser
import Foundation
import Workloads

/// `conserve bench report`: the table and charts of saved `bench serve --json` (or
/// `simulate --json`) reports, merged. A long sweep is often measured in parts (a slice of
/// load fractions at a time, or a peer's runs again on a fresh server); this puts the parts
/// back together without running anything.
struct BenchReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Print the table (and write the charts) of saved bench serve --json reports, merged.",
        discussion: """
            Later files add their runs to the earlier ones, window by window: a run with a label \
            already there replaces it. Reports of different objectives or online rates are refused.
            """
    )

    @Argument(help: "bench serve --json or simulate --json files, in order.")
    var files: [String]

    @Option(help: "Write the TTFT/TPOT CDFs and the timeline of each window into this folder.")
    var plot: String?

    @Flag(help: "Print the merged report as JSON on standard output (the table goes to standard error).")
    var json = false

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one report file") }
    }

    func run() throws {
        var merged: LoadSweepReport?
        for path in files {
            let report: LoadSweepReport
            do { report = try LoadSweepReport(json: Data(contentsOf: URL(fileURLWithPath: path))) }
            catch { throw ValidationError("\(path): not a bench serve --json report (\(error))") }
            guard var sweep = merged else {
                merged = report
                continue
            }
            if let mismatch = sweep.mismatch(with: report) { throw ValidationError("\(path) does not match the reports before it: \(mismatch)") }
            sweep.merge(report)
            merged = sweep
        }
        guard let sweep = merged else { return }
        if let plot {
            for file in try sweep.writePlots(to: plot) { Console.status("wrote \(file)") }
        }
        if json {
            Console.status(sweep.table())
            Console.write(String(decoding: try sweep.json(), as: UTF8.self) + "\n")
        } else {
            Console.write(sweep.table())
        }
    }
}
