/// KV-cache occupancy at one moment of a run.
public struct KVSample: Codable, Sendable, Equatable {
    /// Seconds since the run started.
    public var time: Double
    /// Share (0…1) of KV blocks in use.
    public var usedFraction: Double

    public init(time: Double, usedFraction: Double) {
        self.time = time
        self.usedFraction = usedFraction
    }
}
