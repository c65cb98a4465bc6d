import Foundation
import Testing
@testable import Workloads

@Suite struct ServeReportTests {
    let lines = sampleReport().table().split(separator: "\n").map(String.init)

    @Test func hasAColumnPerRun() {
        #expect(lines[0] == "| Metric | conserve | llama.cpp |")
        #expect(lines[1] == "|:--|--:|--:|")
        #expect(lines.allSatisfy { $0.hasPrefix("|") && $0.hasSuffix("|") && $0.count { $0 == "|" } == 4 })
    }

    @Test func showsEachFigure() {
        #expect(lines.contains("| Online requests completed | 2 | 0 |"))
        #expect(lines.contains("| Online requests failed | 1 | 1 |"))
        #expect(lines.contains("| Online TTFT mean (ms) | 1250 | – |"))
        #expect(lines.contains("| Online TTFT median (ms) | 1250 | – |"))
        #expect(lines.contains("| Online TTFT P90 (ms) | 1850 | – |"))
        #expect(lines.contains("| Online TTFT P99 (ms) | 1985 | – |"))
        #expect(lines.contains("| Online TPOT mean (ms) | 292 | – |"))  // (333.3 + 250) / 2
        #expect(lines.contains("| Online TPOT P99 (ms) | 332 | – |"))
        // np.percentile([250, 250, 500, 250], 99) == 492.49999999999994
        #expect(lines.contains("| Online ITL P99 (ms) | 492 | – |"))
        #expect(lines.contains("| Online E2EL P99 (ms) | 2242 | – |"))  // np.percentile([1500, 2250], 99) == 2242.5
        #expect(lines.contains("| SLO attainment (%), TTFT ≤ 1000 ms, TPOT ≤ 500 ms | 50.0 | – |"))
        #expect(lines.contains("| Goodput (req/s) | 0.25 | 0.00 |"))
        #expect(lines.contains("| Offline requests completed | 0 | 0 |"))
        // The prompt and the tokens at 3 and 4 s fall in the 4 s window: (100 + 2) / 4.
        #expect(lines.contains("| Offline tokens/s | 25.5 | 0.0 |"))
        // Plus online: two prompts of 10 and 6 tokens; the failed request counts nothing. (102 + 26) / 4.
        #expect(lines.contains("| Total tokens/s | 32.0 | 0.0 |"))
        #expect(lines.contains("| Layer preemptions | 7 | – |"))
        #expect(lines.contains("| Recompute preemptions | 1 | – |"))
        #expect(lines.contains("| Pause preemptions | 2 | – |"))
        #expect(lines.contains("| Restored tokens | 96 | – |"))
        #expect(lines.contains("| Recomputed tokens | 32 | – |"))
        #expect(lines.contains("| Peak KV usage (%) | 87.5 | – |"))
    }

    @Test func keepsLabelsInsideTheirCells() {
        var report = sampleReport()
        report.runs[1].label = "a|b\nc"
        #expect(report.table().hasPrefix("| Metric | conserve | a\\|b c |\n"))
    }

    @Test func formatsMillisecondsByMagnitude() {
        #expect(ServeReport.ms(1234.5) == "1234")
        #expect(ServeReport.ms(56.78) == "56.8")
        #expect(ServeReport.ms(8.9) == "8.90")
    }

    @Test func roundTripsThroughJSON() throws {
        let report = sampleReport()
        let decoded = try JSONDecoder().decode(ServeReport.self, from: report.json())
        #expect(decoded == report)
    }
}
