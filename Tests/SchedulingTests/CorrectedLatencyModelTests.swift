import Foundation
@testable import Scheduling
import Testing

@Suite struct CorrectedLatencyModelTests {
    /// One decode per sequence at `context` positions each.
    func decodes(_ n: Int, context: Int) -> StepFeatures {
        var f = StepFeatures()
        for _ in 0 ..< n { f.add(newTokens: 1, cachedTokens: context) }
        return f
    }

    @Test func learnsASlowdownInTheContextRangeWhereItHappens() {
        let base = LinearStepTime()
        let model = CorrectedLatencyModel(base: base)
        let long = decodes(8, context: 3000), short = decodes(8, context: 100)
        #expect(model.predict(long) == base.predict(long))
        for _ in 0 ..< 40 { model.observe(long, seconds: 1.5 * base.predict(long)) }
        #expect(abs(model.predict(long) / base.predict(long) - 1.5) < 0.15)
        // Other ranges keep the fitted model.
        #expect(model.predict(short) == base.predict(short))
        let errors = model.errorsByContext
        #expect(errors.count == 1)
        #expect(errors[0].lowerContext == 2048 && errors[0].upperContext == 4096 && errors[0].steps == 40)
        #expect(abs(errors[0].baseMeanError - 1.0 / 3) < 1e-9)
        #expect(errors[0].correctedMeanError < 0.1)
    }

    /// The current factor follows the last few dozen steps; the run's factor is the mean of all,
    /// so a slow stretch at the end of a run swings the first and barely moves the second.
    @Test func theRunFactorIsTheWholeRunsMeanNotTheLastSteps() throws {
        let base = LinearStepTime()
        let model = CorrectedLatencyModel(base: base)
        let f = decodes(4, context: 300)
        for _ in 0 ..< 200 { model.observe(f, seconds: base.predict(f)) }
        for _ in 0 ..< 20 { model.observe(f, seconds: 3 * base.predict(f)) }
        let range = try #require(model.errorsByContext.first)
        #expect(range.factor > 2)
        #expect(abs(range.runFactor - exp(20 * log(3.0) / 220)) < 1e-9)
    }

    @Test func aRangeRoundTripsAndAnOlderReportReadsItsRunFactorAsTheFinalOne() throws {
        let range = LatencyErrorRange(lowerContext: 256, upperContext: 512, steps: 9, baseMeanError: 0.2,
                                      correctedMeanError: 0.1, factor: 1.5, runFactor: 1.2)
        let data = try JSONEncoder().encode(range)
        #expect(try JSONDecoder().decode(LatencyErrorRange.self, from: data) == range)
        let older = Data(#"{"lowerContext":0,"steps":3,"baseMeanError":0.3,"correctedMeanError":0.2,"factor":1.4}"#.utf8)
        let read = try JSONDecoder().decode(LatencyErrorRange.self, from: older)
        #expect(read.upperContext == nil && read.runFactor == 1.4)
    }

    @Test func staysMonotoneInTokensWithinAStep() {
        let model = CorrectedLatencyModel(base: LinearStepTime())
        let base = decodes(4, context: 600)
        for _ in 0 ..< 10 { model.observe(base, seconds: 0.05) }
        var last = 0.0
        for p in 1 ... 300 {
            let t = model.predict(base.adding(newTokens: p, cachedTokens: 600))
            #expect(t >= last)
            last = t
        }
    }

    @Test func aStalledStepMovesItOnlyBoundedly() {
        let base = LinearStepTime()
        let model = CorrectedLatencyModel(base: base)
        let f = decodes(2, context: 10)
        model.observe(f, seconds: 1000)     // a stall, not a trend
        model.observe(f, seconds: 0)        // not a measurement
        model.observe(f, seconds: .nan)
        #expect(model.predict(f) / base.predict(f) <= CorrectedLatencyModel.maxFactor)
        #expect(model.errorsByContext.first?.steps == 1)
    }

    @Test func theSchedulerCorrectsFromMeasuredSteps() throws {
        var configuration = SchedulerHarness.configuration(.conserve)
        configuration.correctsLatencyOnline = true
        var h = SchedulerHarness(configuration)
        h.stepSeconds = 0.033 // a one-token step is predicted at 11 ms and takes three times that
        try h.add(1, .online(.init(ttft: 1, tpot: 0.2)), prompt: prompt(1, length: 4), maxTokens: 60)
        try h.runUntilIdle()
        let last = try #require(h.plans.last)
        #expect(last.predictedSeconds > 0.025)
        #expect(h.scheduler.snapshot.latencyErrors.first.map { $0.correctedMeanError < $0.baseMeanError } == true)
        // Without the flag it plans with the model as given.
        var plain = SchedulerHarness(SchedulerHarness.configuration(.conserve))
        plain.stepSeconds = 0.033
        try plain.add(1, .online(.init(ttft: 1, tpot: 0.2)), prompt: prompt(1, length: 4), maxTokens: 60)
        try plain.runUntilIdle()
        #expect(abs(plain.plans.last!.predictedSeconds - 0.011) < 1e-9)
        #expect(plain.scheduler.latencyCorrection == nil)
    }
}
