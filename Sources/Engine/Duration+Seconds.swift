extension Duration {
    /// The duration in seconds, as the latency model, the scheduler's clock and the benchmarks count time.
    public var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
