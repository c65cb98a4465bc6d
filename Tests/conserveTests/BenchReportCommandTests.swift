import ArgumentParser
import Foundation
import Scheduling
import Testing
import Workloads
@testable import conserve

@Suite struct BenchReportCommandTests {
    let objective = ServiceLevelObjective(ttft: 2, tpot: 0.1)

    func file(_ label: String, rate: String, in folder: URL) throws -> String {
        var record = RequestRecord(workClass: .online, sent: 0, promptTokens: 10, requestedOutputTokens: 2)
        record.tokenTimes = [0.5, 0.6]
        record.finished = 0.6
        let run = RunResult(label: label, metrics: ServeMetrics(records: [record], duration: 1, objective: objective), records: [record])
        let sweep = LoadSweepReport(objective: objective, capacity: nil, cells: [
            .init(fraction: 0.5, window: 0, report: ServeReport(workload: ["online_rate_rps": rate], objective: objective, runs: [run]))])
        let path = folder.appendingPathComponent("\(label)-\(rate).json").path
        try sweep.json().write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func savedReportsMergeIntoOneTableWithCharts() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bench-report-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let engine = try file("conserve", rate: "0.2", in: folder), peer = try file("llama-server", rate: "0.2", in: folder)
        let plots = folder.appendingPathComponent("plots").path
        try BenchReportCommand.parse([engine, peer, "--plot", plots]).run()
        // Both runs are in the window's charts, the peer's beside the engine's.
        let ttft = try String(contentsOfFile: plots + "/load-0.5-window-0/ttft.svg", encoding: .utf8)
        #expect(ttft.contains("conserve") && ttft.contains("llama-server"))
        #expect(FileManager.default.fileExists(atPath: plots + "/load-0.5-window-0/timeline.svg"))

        // A report of another online rate, or a file that is not a report, is refused by name.
        let other = try file("fcfs", rate: "0.4", in: folder)
        #expect(throws: ValidationError.self) { try BenchReportCommand.parse([engine, other]).run() }
        let junk = folder.appendingPathComponent("junk.json").path
        try Data("{}".utf8).write(to: URL(fileURLWithPath: junk))
        #expect(throws: ValidationError.self) { try BenchReportCommand.parse([engine, junk]).run() }
        #expect(throws: (any Error).self) { try BenchReportCommand.parse([]) }
    }
}
