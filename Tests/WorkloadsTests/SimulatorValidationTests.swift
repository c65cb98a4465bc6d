import Foundation
import Scheduling
import Testing

@testable import Workloads

@Suite struct SimulatorValidationTests {
    let objective = ServiceLevelObjective(ttft: 2, tpot: 0.1)

    /// A run with one online request (first token at `ttft`, then tokens 50 ms apart), one
    /// offline request of `offlineTokens` tokens in the 1 s window, and `preemptions` pauses.
    func run(_ label: String, ttft: Double, offlineTokens: Int, preemptions: Int) -> RunResult {
        let records = [record(.online, sent: 0, tokens: [ttft, ttft + 0.05, ttft + 0.1]),
                       record(.offline, sent: 0, prompt: 0, tokens: (1 ... offlineTokens).map { Double($0) / Double(offlineTokens + 1) })]
        return RunResult(label: label, metrics: ServeMetrics(records: records, duration: 1, objective: objective),
                         engine: EngineCounters(pausePreemptions: preemptions), records: records)
    }

    func sweep(_ windows: [[RunResult]], fraction: Double = 0.5) -> LoadSweepReport {
        LoadSweepReport(objective: objective, capacity: CapacitySearch(low: 1, high: nil, trials: [], runSeconds: 0), cells:
            windows.enumerated().map { window, runs in
                .init(fraction: fraction, window: window, report: ServeReport(workload: [:], objective: objective, runs: runs))
            })
    }

    @Test func figuresAreComparedAfterAveragingTheWindowsAndJudgedByTheirOwnTolerance() {
        // Measured TTFT 0.2 and 0.4 s over two windows (mean 0.3); simulated 0.32 both: 6.7% off,
        // within the median's 10%. Offline 90 vs 100 tokens: 10% off, beyond its 5%.
        let measured = sweep([[run("conserve", ttft: 0.2, offlineTokens: 90, preemptions: 10)],
                              [run("conserve", ttft: 0.4, offlineTokens: 90, preemptions: 10)]])
        let simulated = sweep([[run("conserve", ttft: 0.32, offlineTokens: 100, preemptions: 11)],
                               [run("conserve", ttft: 0.32, offlineTokens: 100, preemptions: 11)]])
        let validation = SimulatorValidation(measured: measured, simulated: simulated)
        let ttft = validation.checks.first { $0.figure == "online TTFT median" }!
        #expect(abs(ttft.measured - 300) < 1e-9 && abs(ttft.simulated - 320) < 1e-9)
        #expect(abs(ttft.relativeError - 20.0 / 300) < 1e-9 && ttft.holds)
        let offline = validation.checks.first { $0.figure == "offline tokens/s" }!
        #expect(!offline.holds)
        let preemptions = validation.checks.first { $0.figure == "preemptions" }!
        #expect(preemptions.holds && abs(preemptions.relativeError - 0.1) < 1e-9)
        #expect(!validation.holds)
        #expect(validation.table().contains("✗"))
        #expect(validation.table().contains("5 of 6 figures within their target"))
    }

    @Test func onlyRunsAndFractionsBothReportsHaveAreCompared() {
        let measured = sweep([[run("conserve", ttft: 0.2, offlineTokens: 50, preemptions: 0),
                               run("fcfs", ttft: 0.5, offlineTokens: 60, preemptions: 0)]])
        let simulated = sweep([[run("conserve", ttft: 0.2, offlineTokens: 50, preemptions: 0)]])
        let validation = SimulatorValidation(measured: measured, simulated: simulated)
        #expect(Set(validation.checks.map(\.run)) == ["conserve"])
        // No preemption in either: that figure agrees exactly.
        #expect(validation.checks.first { $0.figure == "preemptions" }?.relativeError == 0)
        #expect(validation.holds)
        let elsewhere = sweep([[run("conserve", ttft: 0.2, offlineTokens: 50, preemptions: 0)]], fraction: 0.9)
        #expect(SimulatorValidation(measured: measured, simulated: elsewhere).checks.isEmpty)
    }

    @Test func aSimulatedPreemptionWhereTheEngineHadNoneIsAMiss() {
        let measured = sweep([[run("conserve", ttft: 0.2, offlineTokens: 50, preemptions: 0)]])
        let simulated = sweep([[run("conserve", ttft: 0.2, offlineTokens: 50, preemptions: 3)]])
        let check = SimulatorValidation(measured: measured, simulated: simulated).checks.first { $0.figure == "preemptions" }!
        #expect(check.relativeError == .infinity && !check.holds)
    }

    @Test func aSingleRunReportReadsAsASweepOfOneCell() throws {
        let report = ServeReport(workload: ["online_rate_rps": "1"], objective: objective,
                                 runs: [run("conserve", ttft: 0.2, offlineTokens: 5, preemptions: 0)])
        let read = try LoadSweepReport(json: report.json())
        #expect(read.cells.count == 1 && read.cells[0].fraction == nil && read.cells[0].report == report)
        let whole = sweep([[run("conserve", ttft: 0.2, offlineTokens: 5, preemptions: 0)]])
        #expect(try LoadSweepReport(json: whole.json()) == whole)
    }
}
