import Foundation
import Scheduling
import Testing

@testable import Workloads

@Suite struct LoadSweepReportTests {
    let objective = ServiceLevelObjective(ttft: 1.0, tpot: 0.5)

    /// A trial that meets the objectives at rates up to `capacity`.
    func trial(capacity: Double) -> (Double) async throws -> CapacitySearch.Trial {
        { rate in
            // TTFT grows with the rate and crosses 1 s at the capacity.
            let ttft = 0.5 + 0.5 * rate / capacity
            let records = [record(.online, sent: 0, tokens: [ttft, ttft + 0.1])]
            return CapacitySearch.Trial(rate: rate, metrics: ServeMetrics(records: records, duration: 1, objective: self.objective),
                                        objective: self.objective)
        }
    }

    @Test func theSearchBracketsTheCapacityFromBelowAndFromAbove() async throws {
        let up = try await CapacitySearch.search(start: 1, steps: 6, runSeconds: 60, trial: trial(capacity: 3.3))
        #expect(up.low <= 3.3 && up.high! > 3.3)
        #expect(up.high! / up.low < 1.03)
        #expect(up.trials.map(\.rate).prefix(3) == [1, 2, 4])
        #expect(up.rate == up.low)

        let down = try await CapacitySearch.search(start: 10, steps: 4, runSeconds: 60, trial: trial(capacity: 0.7))
        #expect(down.low <= 0.7 && down.high! > 0.7)
        #expect(down.trials.map(\.rate).prefix(5) == [10, 5, 2.5, 1.25, 0.625])
    }

    @Test func aSearchThatNeverMeetsTheObjectivesSaysSo() async throws {
        await #expect(throws: CapacitySearchError.self) {
            try await CapacitySearch.search(start: 1, steps: 2, runSeconds: 60, trial: trial(capacity: 0.001))
        }
    }

    @Test func aFailedOrUnfinishedOnlineRequestFailsTheTrial() {
        let fine = [record(.online, sent: 0, tokens: [0.1, 0.2])]
        #expect(CapacitySearch.Trial.meets(ServeMetrics(records: fine, duration: 1, objective: objective), objective))
        let failed = fine + [record(.online, sent: 0, tokens: [], error: "HTTP 503")]
        #expect(!CapacitySearch.Trial.meets(ServeMetrics(records: failed, duration: 1, objective: objective), objective))
        let slow = [record(.online, sent: 0, tokens: [0.1, 0.2, 2.0])] // TPOT 950 ms
        #expect(!CapacitySearch.Trial.meets(ServeMetrics(records: slow, duration: 1, objective: objective), objective))
    }

    @Test func figuresAreAveragedOverWindowsPerFraction() throws {
        func run(_ label: String, ttft: Double, offlineTokens: Int) -> RunResult {
            let records = [record(.online, sent: 0, tokens: [ttft, ttft + 0.1]),
                           record(.offline, sent: 0, prompt: 10, tokens: (1 ... offlineTokens).map { Double($0) * 0.01 })]
            return RunResult(label: label, metrics: ServeMetrics(records: records, duration: 1, objective: objective), records: records)
        }
        func cell(_ fraction: Double, _ window: Int, ttft: Double) -> LoadSweepReport.Cell {
            .init(fraction: fraction, window: window, report: ServeReport(
                workload: ["online_rate_rps": "1.5"], objective: objective,
                runs: [run("online-only", ttft: 0.2, offlineTokens: 1), run("fcfs", ttft: 2, offlineTokens: 80),
                       run("conserve", ttft: ttft, offlineTokens: 60)]))
        }
        let capacity = CapacitySearch(low: 3, high: 3.2, trials: [], runSeconds: 60)
        let report = LoadSweepReport(objective: objective, capacity: capacity,
                                     cells: [cell(0.5, 0, ttft: 0.2), cell(0.5, 1, ttft: 0.4), cell(0.9, 0, ttft: 0.9)])
        #expect(report.fractions == [0.5, 0.9])
        #expect(report.labels == ["online-only", "fcfs", "conserve"])
        let p99 = try #require(report.spread("conserve", fraction: 0.5) { $0.metrics.online.ttft?.p99 })
        #expect(p99.count == 2 && abs(p99.mean - 300) < 1e-6 && abs(p99.min - 200) < 1e-6 && abs(p99.max - 400) < 1e-6)
        #expect(p99.text(0) == "300 (200–400)")
        let table = report.table()
        #expect(table.contains("Online capacity"))
        #expect(table.contains("### 0.5 of capacity: 1.5 online req/s, 2 windows"))
        #expect(table.contains("### 0.9 of capacity: 1.5 online req/s, 1 window "))
        #expect(table.contains("conserve's offline tokens/s / fcfs's: 78%")) // (10 + 60) / (10 + 80) tokens, prompts included
        #expect(table.contains("conserve's SLO attainment minus online-only's: 0.0 points"))
        // The JSON holds every cell.
        let decoded = try JSONDecoder().decode(LoadSweepReport.self, from: report.json())
        #expect(decoded == report)
    }
}
