import Foundation
import Scheduling
import Testing

@testable import Workloads

@Suite struct LoadSweepMergeTests {
    let objective = ServiceLevelObjective(ttft: 2, tpot: 0.1)

    func run(_ label: String, ttft: Double) -> RunResult {
        let records = [record(.online, sent: 0, tokens: [ttft, ttft + 0.05])]
        return RunResult(label: label, metrics: ServeMetrics(records: records, duration: 1, objective: objective), records: records)
    }

    func sweep(_ cells: [(Double?, Int, [RunResult])], rate: String = "0.2") -> LoadSweepReport {
        LoadSweepReport(objective: objective, capacity: nil, cells: cells.map { fraction, window, runs in
            .init(fraction: fraction, window: window, report: ServeReport(workload: ["online_rate_rps": rate], objective: objective, runs: runs))
        })
    }

    @Test func runsJoinTheirWindowAndASameLabelIsReplaced() {
        var engine = sweep([(0.5, 0, [run("conserve", ttft: 0.3), run("peer", ttft: 9)]), (0.5, 1, [run("conserve", ttft: 0.4)])])
        let peer = sweep([(0.5, 0, [run("peer", ttft: 1)]), (0.5, 1, [run("peer", ttft: 2)]), (0.9, 0, [run("peer", ttft: 3)])])
        #expect(engine.mismatch(with: peer) == nil)
        engine.merge(peer)
        #expect(engine.cells.map(\.window) == [0, 1, 0] && engine.cells.map(\.fraction) == [0.5, 0.5, 0.9])
        #expect(engine.cells[0].report.runs.map(\.label) == ["conserve", "peer"])
        // The peer's old run in window 0 gave way to the new one.
        #expect(engine.cells[0].report.runs[1].metrics.online.ttft?.median == 1000)
        #expect(engine.cells[1].report.runs.map(\.label) == ["conserve", "peer"])
        #expect(engine.table().contains("peer"))
    }

    @Test func unlikeSweepsAreNamedNotMerged() {
        let a = sweep([(0.5, 0, [run("conserve", ttft: 0.3)])])
        let faster = sweep([(0.5, 0, [run("peer", ttft: 1)])], rate: "0.4")
        #expect(a.mismatch(with: faster)?.contains("0.2") == true)
        var stricter = sweep([(0.5, 0, [run("peer", ttft: 1)])])
        stricter.objective = ServiceLevelObjective(ttft: 1, tpot: 0.1)
        #expect(a.mismatch(with: stricter)?.contains("objectives") == true)
        // Cells only one of them has cannot disagree.
        #expect(a.mismatch(with: sweep([(0.9, 0, [run("peer", ttft: 1)])], rate: "0.4")) == nil)
    }
}
