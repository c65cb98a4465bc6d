import Testing
@testable import Workloads

@Suite struct ThroughputTimelineTests {
    @Test func binsPromptAtFirstTokenAndOutputAtEachToken() throws {
        let online = record(.online, sent: 0, prompt: 10, tokens: [0.25, 0.5, 1.5])
        let offline = record(.offline, sent: 0, prompt: 100, tokens: [1.25, 2.0, 2.25, 2.5, 3.0], unfinished: true)
        let failed = record(.online, sent: 0, prompt: 1000, tokens: [0.5], error: "boom")
        let t = try #require(ThroughputTimeline(records: [online, offline, failed], duration: 2.5, binSeconds: 1))
        #expect(t.bins.map(\.start) == [0, 1, 2])
        #expect(t.bins.map(\.end) == [1, 2, 2.5])
        // Bin 0: prompt 10 + 2 tokens; bin 1: 1 token; bin 2 is half a second long.
        #expect(t.bins.map(\.onlineTokensPerSecond) == [12, 1, 0])
        // Bin 1: prompt 100 + 1 token; bin 2: tokens at 2.0, 2.25 and 2.5 (the window's end) over 0.5 s.
        #expect(t.bins.map(\.offlineTokensPerSecond) == [0, 101, 6])
    }

    @Test func binsAddUpToTheWindowTotals() throws {
        let records = [
            record(.online, sent: 0, prompt: 3, tokens: [0.5, 0.75, 3.5]),
            record(.offline, sent: 0, prompt: 40, tokens: [1, 2, 3, 4, 5, 6], unfinished: true),
        ]
        let m = ServeMetrics(records: records, duration: 4, objective: .init(ttft: 1, tpot: 1))
        let run = RunResult(label: "x", metrics: m, records: records)
        let t = try #require(run.timeline(binSeconds: 1))
        for workClass in WorkClass.allCases {
            let binned = t.bins.reduce(0.0) { $0 + $1[workClass] * ($1.end - $1.start) }
            #expect(binned == Double(m[workClass].promptTokens + m[workClass].outputTokens))
        }
    }

    @Test func refusesEmptyBinsOrWindow() {
        #expect(ThroughputTimeline(records: [], duration: 10, binSeconds: 0) == nil)
        #expect(ThroughputTimeline(records: [], duration: 0, binSeconds: 1) == nil)
    }
}
