import Testing
@testable import Workloads

@Suite struct OnlineWorkloadTests {
    /// One request a second, 100 prompt and 20 output tokens each.
    let rows = (0 ..< 2000).map { TraceRow(arrival: Double($0), promptTokens: 100, outputTokens: 20) }

    @Test func theRateFollowsTheTargetLoad() throws {
        // 0.5 s of work per request: load 0.5 is one request a second, the trace's own rate.
        var spec = OnlineWorkloadSpec(rows: rows, duration: 10, maxPromptTokens: 1000, maxOutputTokens: 1000)
        spec.onlineLoad = 0.5
        let plan = try OnlineWorkload.plan(spec, work: { p, o in Double(p + o) / 240 })
        #expect(abs(plan.meanWork - 0.5) < 1e-12)
        #expect(plan.arrivals.count == 10 && abs(plan.offeredLoad - 0.5) < 1e-9)
        #expect(abs(plan.rate - 1) < 0.12)
        // Evenly spaced, as the trace is: the trace is stretched, not resampled.
        let gaps = zip(plan.arrivals.dropFirst(), plan.arrivals).map { $0.time - $1.time }
        #expect(gaps.allSatisfy { abs($0 - gaps[0]) < 1e-9 })

        // Half the load: half the arrivals in the same window, twice as far apart.
        spec.onlineLoad = 0.25
        let slower = try OnlineWorkload.plan(spec, work: { p, o in Double(p + o) / 240 })
        #expect(slower.arrivals.count == 5 && abs(slower.offeredLoad - 0.25) < 1e-9)
        #expect(slower.arrivals[1].time - slower.arrivals[0].time > 1.8 * gaps[0])
    }

    @Test func aTargetRateGivesThatManyArrivalsEvenWhereTheTraceIsSparse() throws {
        // A quiet first minute (one request), then ten a second: the trace's average says one
        // stretch, the window's start another. The run still holds rate × duration arrivals.
        let bursty = [TraceRow(arrival: 0, promptTokens: 10, outputTokens: 5)]
            + (0 ..< 3000).map { TraceRow(arrival: 60 + Double($0) * 0.1, promptTokens: 10, outputTokens: 5) }
        var spec = OnlineWorkloadSpec(rows: bursty, duration: 60, maxPromptTokens: 100, maxOutputTokens: 100)
        spec.targetRate = 0.5
        let plan = try OnlineWorkload.plan(spec, work: { _, _ in 0.1 })
        #expect(plan.arrivals.count == 30)
        #expect(abs(plan.rate - 0.5) < 1e-9)
        #expect(plan.arrivals.allSatisfy { $0.time < 60 })
        // The target rate wins over the load and the scale.
        spec.onlineLoad = 0.9
        spec.rateScale = 7
        #expect(try OnlineWorkload.plan(spec, work: { _, _ in 0.1 }).arrivals.count == 30)
    }

    @Test func aWindowStartsLaterInTheTraceAndLengthsAreScaledAndClipped() throws {
        var spec = OnlineWorkloadSpec(rows: rows, duration: 5, maxPromptTokens: 30, maxOutputTokens: 1000)
        spec.traceStart = 100
        spec.rateScale = 2
        spec.lengthScale = 0.5
        let plan = try OnlineWorkload.plan(spec, work: { p, o in Double(p + o) / 1000 })
        #expect(plan.arrivals.map(\.time) == [0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5])
        #expect(plan.arrivals.allSatisfy { $0.promptTokens == 30 && $0.outputTokens == 10 })
    }

    @Test func gammaArrivalsTakeTheRateAndDrawLengthsFromTheTrace() throws {
        let mixed = (0 ..< 1000).map { TraceRow(arrival: Double($0), promptTokens: $0 % 2 == 0 ? 100 : 300, outputTokens: 10) }
        var spec = OnlineWorkloadSpec(rows: mixed, duration: 2000, maxPromptTokens: 1000, maxOutputTokens: 1000)
        spec.arrivalCV = 2
        spec.onlineLoad = 0.5
        spec.seed = 5
        let plan = try OnlineWorkload.plan(spec, work: { p, o in Double(p + o) / 210 }) // 210 tok/s × 0.5 / 210 tokens = 0.5 req/s
        #expect(abs(Double(plan.arrivals.count) / 2000 - 0.5) < 0.08)
        #expect(Set(plan.arrivals.map(\.promptTokens)) == [100, 300])
    }

    @Test func aWindowSparserThanTheTracesAverageStillOffersTheTargetLoad() throws {
        // Sparse for the first 100 s (one request every 4 s), then one every 0.25 s.
        var rows = (0 ..< 25).map { TraceRow(arrival: Double($0) * 4, promptTokens: 100, outputTokens: 20) }
        rows += (0 ..< 4000).map { TraceRow(arrival: 100 + Double($0) * 0.25, promptTokens: 100, outputTokens: 20) }
        var spec = OnlineWorkloadSpec(rows: rows, duration: 60, maxPromptTokens: 1000, maxOutputTokens: 1000)
        spec.onlineLoad = 0.4
        let plan = try OnlineWorkload.plan(spec, work: { p, o in Double(p + o) / 240 })
        #expect(abs(plan.offeredLoad - 0.4) < 0.02, "offered \(plan.offeredLoad)")
        #expect(abs(Double(plan.arrivals.count) / 60 * 0.5 - plan.offeredLoad) < 1e-9)
    }

    @Test func anEmptyWindowIsAClearError() {
        var spec = OnlineWorkloadSpec(rows: rows, duration: 5, maxPromptTokens: 30, maxOutputTokens: 30)
        spec.traceStart = 10_000
        #expect(throws: WorkloadDataError.self) { try OnlineWorkload.plan(spec, work: { p, o in Double(p + o) / 100 }) }
    }
}
