/// Latency objectives of an online request, in seconds.
public struct ServiceLevelObjective: Sendable, Hashable, Codable {
    /// Arrival to first output token.
    public var ttft: Double
    /// Mean time per output token after the first.
    public var tpot: Double

    public init(ttft: Double, tpot: Double) {
        self.ttft = ttft
        self.tpot = tpot
    }
}

/// The two kinds of work the engine co-serves.
public enum ServiceClass: Sendable, Hashable {
    /// Latency-critical (chat, code completion), with objectives.
    case online(ServiceLevelObjective)
    /// Throughput work (batch jobs), no deadline.
    case offline

    public var isOnline: Bool {
        if case .online = self { return true }
        return false
    }

    public var objective: ServiceLevelObjective? {
        if case .online(let slo) = self { return slo }
        return nil
    }

    public var name: String { isOnline ? "online" : "offline" }
}
