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
        var sweep = try read(files[0])
        for path in files.dropFirst() {
            let report = try read(path)
            if let mismatch = sweep.mismatch(with: report) { throw ValidationError("\(path) does not match the reports before it: \(mismatch)") }
            sweep.merge(report)
        }
        try sweep.write(plot: plot, json: json)
    }

    private func read(_ path: String) throws -> LoadSweepReport {
        do { return try LoadSweepReport(json: Data(contentsOf: URL(fileURLWithPath: path))) }
        catch { throw ValidationError("\(path): not a bench serve --json report (\(error))") }
    }
}
