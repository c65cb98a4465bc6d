import Scheduling

/// One request of a simulated run: lengths only (the simulated model needs no text).
public struct SimulatedRequest: Sendable, Hashable {
    /// Seconds from the start of the run (online requests; offline jobs arrive when a slot frees).
    public var arrival: Double
    public var promptTokens: Int
    public var outputTokens: Int
    /// Set for online requests.
    public var objective: ServiceLevelObjective?

    public init(arrival: Double = 0, promptTokens: Int, outputTokens: Int, objective: ServiceLevelObjective? = nil) {
        self.arrival = arrival
        self.promptTokens = promptTokens
        self.outputTokens = outputTokens
        self.objective = objective
    }

    public var isOnline: Bool { objective != nil }
}

/// What a simulated run sends, as `LoadPlan` does for a real one: online requests at their
/// arrival times (open loop) and offline jobs kept `offlineConcurrency` in flight (closed
/// loop), taken in order and again from the start if the run outlasts them.
public struct SimulatedWorkload: Sendable {
    /// Sorted by arrival.
    public var online: [SimulatedRequest]
    public var offline: [SimulatedRequest]
    public var offlineConcurrency: Int
    /// nil: every offline job is there from the start; otherwise `size` jobs every `interval` seconds.
    public var offlineBatches: (size: Int, interval: Double)?
    /// Seconds of arrivals; offline work still running then is cut and counts what it did.
    public var duration: Double
    /// Seconds after `duration` online requests may still run.
    public var drainTimeout: Double = 300

    public init(online: [SimulatedRequest], offline: [SimulatedRequest], offlineConcurrency: Int, duration: Double) {
        self.online = online.sorted { $0.arrival < $1.arrival }
        self.offline = offline
        self.offlineConcurrency = offlineConcurrency
        self.duration = duration
    }

    /// When offline job number `index` may be sent.
    func offlineAvailable(_ index: Int) -> Double {
        guard let batches = offlineBatches else { return 0 }
        return Double(index / max(batches.size, 1)) * batches.interval
    }
}

/// What the run saw of one request, on the virtual clock (the fields of `RequestRecord`).
public struct SimulatedRecord: Sendable, Hashable {
    public var isOnline: Bool
    public var sent: Double
    public var promptTokens: Int
    public var requestedOutputTokens: Int
    public var tokenTimes: [Double] = []
    /// When it ended; nil while still running when the run stopped.
    public var finished: Double?
    /// Why it failed (the scheduler rejected it).
    public var error: String?
}
