import Scheduling

/// Everything a simulated run produced: the records, the scheduler's counters, and what the
/// executor saw.
public struct SimulationResult: Sendable {
    /// In the order requests were sent.
    public var records: [SimulatedRecord]
    /// The scheduler's counters at the end of the run, and at the end of the arrival window.
    public var counters: SchedulerCounters
    public var countersAtDuration: SchedulerCounters
    /// KV occupancy (0…1) once per virtual second.
    public var kvUsage: [(time: Double, usedFraction: Double)]
    /// Integrity violations seen after steps (checked only when asked for).
    public var integrityViolations: [String]
    public var steps: Int
    /// Virtual seconds of completed steps, of abandoned ones, and the run's end.
    public var busySeconds: Double
    public var wastedSeconds: Double
    public var endTime: Double
    /// Flag raised → step returned, for each abandoned step.
    public var preemptionLatencies: [Double]
    /// Step-time prediction error per context range, when the scheduler corrected its model online.
    public var latencyErrors: [LatencyErrorRange] = []
    /// Requests the executor still held state for at the end (0 when retirements reach it).
    public var executorLeftovers: Int
    /// KV blocks and checkpoint slots still held at the end, when the scheduler has no work.
    public var leakedBlocks: Int
    public var leakedSlots: Int
}
