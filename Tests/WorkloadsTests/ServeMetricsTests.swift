import Scheduling
import Testing
@testable import Workloads

@Suite struct ServeMetricsTests {
    let objective = ServiceLevelObjective(ttft: 1.0, tpot: 0.5)

    @Test func tpotRunsFromFirstTokenToEndOfResponse() {
        // vLLM: (E2EL − TTFT) / (output − 1) = (1.5 − 0.5) / 1, though the tokens are 0.5 s apart.
        let r = record(.online, sent: 0, tokens: [0.5, 1.0], finished: 1.5)
        let m = ServeMetrics(records: [r], duration: 10, objective: objective)
        #expect(m.online.tpot?.mean == 1000)
        #expect(m.online.ttft?.mean == 500)
        #expect(m.online.e2el?.mean == 1500)
        #expect(m.online.itl?.mean == 500)
    }

    @Test func singleTokenOutputsHaveNoTPOT() {
        let one = record(.online, sent: 1, tokens: [1.25])
        let four = record(.online, sent: 1, tokens: [1.5, 1.75, 2.0, 2.5])
        let m = ServeMetrics(records: [one, four], duration: 10, objective: objective)
        #expect(m.online.tpot?.count == 1)
        #expect(m.online.tpot?.mean == 1000.0 / 3)
        #expect(m.online.ttft?.count == 2)
        #expect(m.online.ttft?.mean == (250.0 + 500.0) / 2)
    }

    @Test func itlPoolsEveryGapRatherThanAveragingRequests() {
        // Gaps 0.25, 0.25, 0.5 and 0.125: pooled mean 0.28125 s; a mean of per-request means would be 0.229.
        let a = record(.online, sent: 1, tokens: [1.5, 1.75, 2.0, 2.5])
        let b = record(.online, sent: 0, tokens: [1.0, 1.125])
        let m = ServeMetrics(records: [a, b], duration: 10, objective: objective)
        let itl = m.online.itl
        #expect(itl?.count == 4)
        #expect(itl?.mean == 281.25)
        #expect(itl?.median == 250)  // np.percentile([125, 250, 250, 500], 50)
        #expect(itl?.p90 == 425.00000000000006)
        #expect(itl?.p99 == 492.49999999999994)
        #expect(itl?.max == 500)
    }

    @Test func failedRequestsCountOnlyAsFailed() {
        let ok = record(.online, sent: 0, prompt: 7, tokens: [0.5, 1.0])
        let errored = record(.online, sent: 0, prompt: 1000, tokens: [0.25, 0.5, 9.0], error: "HTTP 500")
        let empty = record(.online, sent: 0, prompt: 1000, tokens: [], finished: 2)
        let m = ServeMetrics(records: [ok, errored, empty], duration: 4, objective: objective)
        #expect(m.online.completed == 1)
        #expect(m.online.failed == 2)
        #expect(m.online.unfinished == 0)
        #expect(m.online.ttft?.count == 1)
        #expect(m.online.itl?.count == 1)
        #expect(m.online.requestThroughput == 0.25)
        #expect(m.online.promptTokens == 7)
        #expect(m.online.outputTokens == 2)
        #expect(m.online.tokensPerSecond == 9.0 / 4)
    }

    @Test func windowCountsWhatUnfinishedOfflineWorkDid() {
        // Prefilled at 8, tokens at 8…12, still running: prompt and the tokens at 8, 9, 10 count.
        let running = record(.offline, sent: 0, prompt: 100, tokens: [8, 9, 10, 11, 12], unfinished: true)
        // First token after the window: its prompt does not count either.
        let late = record(.offline, sent: 5, prompt: 50, tokens: [10.5, 11], unfinished: true)
        // Finished inside the window.
        let done = record(.offline, sent: 0, prompt: 20, tokens: [1, 2, 3])
        let online = record(.online, sent: 9, prompt: 4, tokens: [9.5, 10, 10.5])
        let m = ServeMetrics(records: [running, late, done, online], duration: 10, objective: objective)
        #expect(m.offline.completed == 1)
        #expect(m.offline.unfinished == 2)
        #expect(m.offline.failed == 0)
        #expect(m.offline.promptTokens == 120)
        #expect(m.offline.outputTokens == 6)
        #expect(m.offline.tokensPerSecond == 12.6)
        #expect(m.offline.outputTokensPerSecond == 0.6)
        #expect(m.offline.requestThroughput == 0.1)
        #expect(m.online.promptTokens == 4)
        #expect(m.online.outputTokens == 2)
        #expect(m.totalTokensPerSecond == 13.2)
        // Offline work is not judged against the online objective.
        #expect(m.offline.sloAttainment == nil)
        #expect(m.offline.goodput == nil)
    }

    @Test func goodputCountsOnlyRequestsWithinBothTargets() {
        let good = record(.online, sent: 1, tokens: [1.5, 1.75, 2.0, 2.5])  // TTFT 0.5, TPOT 0.333
        let slowFirst = record(.online, sent: 0, tokens: [2.0, 2.25])  // TTFT 2.0 misses
        let single = record(.online, sent: 0, tokens: [0.25])  // no TPOT: TTFT alone decides
        let slowTokens = record(.online, sent: 0, tokens: [0.5, 1.25, 2.0])  // TPOT 0.75 misses
        let failed = record(.online, sent: 0, tokens: [0.25], error: "reset")
        let m = ServeMetrics(
            records: [good, slowFirst, single, slowTokens, failed], duration: 10, objective: objective)
        #expect(m.online.completed == 4)
        #expect(m.online.sloAttainment == 0.5)
        #expect(m.online.goodput == 0.2)
        #expect(m.online.requestThroughput == 0.4)
    }

    @Test func targetsAreInclusive() {
        let atLimit = record(.online, sent: 0, tokens: [1.0, 1.5])  // TTFT 1.0, TPOT 0.5, exactly the objective
        let m = ServeMetrics(records: [atLimit], duration: 1, objective: objective)
        #expect(m.online.sloAttainment == 1)
    }

    @Test func noCompletedOnlineWorkHasNoAttainment() {
        let m = ServeMetrics(records: [], duration: 10, objective: objective)
        #expect(m.online.sloAttainment == nil)
        #expect(m.online.goodput == 0)
        #expect(m.online.ttft == nil)
        #expect(m.totalTokensPerSecond == 0)
    }

    @Test func emptyWindowReportsNoRateRatherThanInfinity() {
        let r = record(.online, sent: 0, tokens: [0, 0])
        let m = ServeMetrics(records: [r], duration: 0, objective: objective)
        #expect(m.online.requestThroughput == 0)
        #expect(m.totalTokensPerSecond == 0)
    }
}
