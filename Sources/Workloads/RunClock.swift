/// Seconds since the start of a run, from a monotonic clock.
public struct RunClock: Sendable {
    public let start: ContinuousClock.Instant

    public init() { start = ContinuousClock.now }

    public func now() -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }

    /// Sleeps until `time` seconds into the run (returns at once if that has passed).
    public func sleep(until time: Double) async throws {
        let delay = time - now()
        if delay > 0 { try await Task.sleep(for: .seconds(delay)) }
    }
}
