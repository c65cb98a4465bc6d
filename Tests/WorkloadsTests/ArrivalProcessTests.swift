import Foundation
import Testing
@testable import Workloads

@Suite struct ArrivalProcessTests {
    func coefficientOfVariation(_ times: [Double]) -> Double {
        let gaps = zip(times.dropFirst(), times).map { $0 - $1 }
        let mean = gaps.reduce(0, +) / Double(gaps.count)
        let variance = gaps.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(gaps.count)
        return variance.squareRoot() / mean
    }

    @Test func poissonHasTheRateAndUnitCV() {
        var generator = SeededGenerator(seed: 7)
        let times = ArrivalProcess.poisson(rate: 2).arrivals(duration: 10_000, generator: &generator)
        #expect(abs(Double(times.count) / 10_000 - 2) < 0.06)
        #expect(abs(coefficientOfVariation(times) - 1) < 0.05)
        #expect(times.allSatisfy { $0 >= 0 && $0 < 10_000 })
        #expect(zip(times.dropFirst(), times).allSatisfy { $0 >= $1 })
    }

    @Test(arguments: [0.5, 3.0])
    func gammaKeepsTheRateAtAnyBurstiness(cv: Double) {
        var generator = SeededGenerator(seed: 11)
        let times = ArrivalProcess.gamma(rate: 1, cv: cv).arrivals(duration: 40_000, generator: &generator)
        #expect(abs(Double(times.count) / 40_000 - 1) < 0.08)
        #expect(abs(coefficientOfVariation(times) - cv) / cv < 0.1)
    }

    @Test func theSameSeedReplaysTheSameArrivals() {
        var a = SeededGenerator(seed: 3), b = SeededGenerator(seed: 3), c = SeededGenerator(seed: 4)
        let process = ArrivalProcess.gamma(rate: 5, cv: 2)
        let first = process.arrivals(duration: 100, generator: &a)
        #expect(first == process.arrivals(duration: 100, generator: &b))
        #expect(first != process.arrivals(duration: 100, generator: &c))
    }
}
