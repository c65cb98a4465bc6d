import Testing
@testable import Workloads

@Suite struct PercentilesTests {
    // Expected values from numpy 2.4 on the same inputs, scaled to ms the same way:
    //   x = np.array([0.013, 0.2, 0.05, 1.7, 0.31, 0.0042, 0.9]) * 1000
    //   x.mean(), np.percentile(x, [50, 90, 99]), x.max()
    @Test func matchesNumpyOnSevenValues() throws {
        let s = try #require(LatencySummary(seconds: [0.013, 0.2, 0.05, 1.7, 0.31, 0.0042, 0.9]))
        #expect(s.count == 7)
        #expect(nearlyEqual(s.mean, 453.88571428571424))
        #expect(s.median == 200.0)
        #expect(s.p90 == 1220.0000000000002)
        #expect(s.p99 == 1651.9999999999995)
        #expect(s.max == 1700.0)
    }

    //   x = np.array([((i*i) % 37) * 0.01 + 0.001 * i for i in range(101)]) * 1000
    @Test func matchesNumpyOnHundredOneValues() throws {
        let seconds: [Double] = (0..<101).map { (i: Int) -> Double in
            let hundredths = Double((i * i) % 37) * 0.01
            return hundredths + 0.001 * Double(i)
        }
        let s = try #require(LatencySummary(seconds: seconds))
        #expect(s.count == 101)
        #expect(nearlyEqual(s.mean, 231.68316831683168))
        #expect(s.median == 230.0)
        #expect(s.p90 == 392.0)
        #expect(s.p99 == 435.00000000000006)
        #expect(s.max == 440.0)
    }

    // Here interpolating from the lower rank alone gives 1830.2999999999997; numpy interpolates
    // from the nearer rank: np.percentile(np.array([...]) * 1000, 99) == 1830.2999999999995.
    @Test func interpolatesFromTheNearerRankAsNumpyDoes() throws {
        let s = try #require(LatencySummary(seconds: [0.058, 0.433, 0.443, 0.762, 0.844, 1.083, 1.878]))
        #expect(s.p99 == 1830.2999999999995)
        #expect(s.p90 == 1401.0000000000002)
        #expect(s.median == 762.0)
    }

    @Test func interpolatesBetweenRanks() {
        // np.percentile([1, 2, 3, 4], 50) == 2.5; q=0 and q=100 are the ends.
        #expect(percentile(50, ofSorted: [1, 2, 3, 4]) == 2.5)
        #expect(percentile(0, ofSorted: [1, 2, 3, 4]) == 1)
        #expect(percentile(100, ofSorted: [1, 2, 3, 4]) == 4)
        #expect(percentile(90, ofSorted: [7]) == 7)
        #expect(percentile(50, ofSorted: []) == nil)
    }

    @Test func noValuesIsNoSummary() {
        #expect(LatencySummary(seconds: []) == nil)
    }
}
