/// The percentile of ascending `sorted` values at `q` (0…100), interpolating linearly between
/// the two nearest ranks, as numpy's default (`method="linear"`) does, so figures match vLLM's.
/// Nil for no values.
public func percentile(_ q: Double, ofSorted sorted: [Double]) -> Double? {
    guard !sorted.isEmpty else { return nil }
    let rank = min(max(q, 0), 100) / 100 * Double(sorted.count - 1)
    let lower = Int(rank.rounded(.down))
    guard lower + 1 < sorted.count else { return sorted[lower] }
    let (a, b, t) = (sorted[lower], sorted[lower + 1], rank - Double(lower))
    // numpy's lerp: from the nearer end, so results agree with it to the last bit.
    return t < 0.5 ? a + (b - a) * t : b - (b - a) * (1 - t)
}

/// The distribution of one latency over a run, in milliseconds, with vLLM `bench serve`'s columns.
public struct LatencySummary: Codable, Sendable, Equatable {
    public var count: Int
    public var mean: Double
    public var median: Double
    public var p90: Double
    public var p99: Double
    public var max: Double

    /// Summarizes latencies given in seconds; nil when there are none, so an empty class reads as
    /// "no data" rather than as a latency of zero.
    public init?(seconds: [Double]) {
        guard !seconds.isEmpty else { return nil }
        let sorted = seconds.map { $0 * 1000 }.sorted()
        count = sorted.count
        mean = sorted.reduce(0, +) / Double(sorted.count)
        median = percentile(50, ofSorted: sorted)!
        p90 = percentile(90, ofSorted: sorted)!
        p99 = percentile(99, ofSorted: sorted)!
        max = sorted[sorted.count - 1]
    }
}
