/// When a step's parts happen on the virtual clock: restores on the link, then the forward
/// pass in groups of `k` layers with a safepoint check after each group but the last.
struct StepTiming: Sendable, Equatable {
    var start: Double
    /// The forward pass starts when the plan's restores have arrived.
    var computeStart: Double
    /// Forward-pass seconds without checks (the cost model's, with noise).
    var compute: Double
    var layers: Int
    var layersPerGroup: Int
    /// Cost of one check; 0 for steps that are not preemptible (they check nothing).
    var checkSeconds: Double

    var groups: Int { (layers + layersPerGroup - 1) / layersPerGroup }
    var groupSeconds: Double { compute * Double(layersPerGroup) / Double(layers) + checkSeconds }
    /// When the whole step ends.
    var end: Double { computeStart + compute + Double(groups - 1) * checkSeconds }

    /// Where a step is abandoned for a signal raised at `signal`: at the first safepoint the
    /// forward pass reaches after it. Nil when the signal comes after the last safepoint (the
    /// step completes).
    func abandonment(signal: Double) -> (afterLayer: Int, at: Double)? {
        let elapsed = max(0, signal - computeStart)
        let group = max(1, Int((elapsed / groupSeconds).rounded(.up)))
        guard group < groups else { return nil }
        return (group * layersPerGroup, computeStart + Double(group) * groupSeconds)
    }
}
