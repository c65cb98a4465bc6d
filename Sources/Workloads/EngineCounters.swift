import Scheduling

/// Counters a ConServe engine keeps about its co-serving mechanisms over a run.
public struct EngineCounters: Codable, Sendable, Equatable {
    /// Offline steps abandoned between layers for an arriving online request.
    public var layerPreemptions: Int
    /// Offline requests preempted by dropping their KV, to be recomputed.
    public var recomputePreemptions: Int
    /// Offline requests paused with their KV checkpointed, to be restored.
    public var pausePreemptions: Int
    /// Tokens of KV copied back from checkpoints instead of recomputed.
    public var restoredTokens: Int
    /// Tokens computed a second time after a recompute preemption.
    public var recomputedTokens: Int
    /// Offline positions the engine ran through the model during the window, recomputation
    /// included. Unlike the client's count, it includes prefill of jobs that had not reached
    /// their first token when the window closed.
    public var offlineComputedTokens: Int
    /// `ecoserve`: admissions into lent KV, loans moved and borrowers preempted.
    public var kvLoans: Int
    public var kvLoanMoves: Int
    public var kvLoanPreemptions: Int
    /// `ecoserve`: output-length predictions scored on finished requests.
    public var predictedRequests: Int
    /// Share of those whose output stayed within the prediction.
    public var predictionCoverage: Double
    /// Σ|predicted − actual| / Σ actual.
    public var predictionRelativeError: Double
    /// `conserve`: step-time prediction error per context range, of the fitted latency model and
    /// of the online-corrected one the scheduler planned with (empty without correction).
    public var latencyErrors: [LatencyErrorRange] = []

    /// Both errors over every range, weighted by steps: (fitted, corrected); nil without steps.
    public var latencyError: (fitted: Double, corrected: Double)? {
        let steps = latencyErrors.reduce(0) { $0 + $1.steps }
        guard steps > 0 else { return nil }
        let fitted = latencyErrors.reduce(0.0) { $0 + $1.baseMeanError * Double($1.steps) } / Double(steps)
        let corrected = latencyErrors.reduce(0.0) { $0 + $1.correctedMeanError * Double($1.steps) } / Double(steps)
        return (fitted, corrected)
    }

    public init(
        layerPreemptions: Int = 0, recomputePreemptions: Int = 0, pausePreemptions: Int = 0,
        restoredTokens: Int = 0, recomputedTokens: Int = 0, offlineComputedTokens: Int = 0,
        kvLoans: Int = 0, kvLoanMoves: Int = 0, kvLoanPreemptions: Int = 0,
        predictedRequests: Int = 0, predictionCoverage: Double = 0, predictionRelativeError: Double = 0
    ) {
        self.offlineComputedTokens = offlineComputedTokens
        self.kvLoans = kvLoans
        self.kvLoanMoves = kvLoanMoves
        self.kvLoanPreemptions = kvLoanPreemptions
        self.predictedRequests = predictedRequests
        self.predictionCoverage = predictionCoverage
        self.predictionRelativeError = predictionRelativeError
        self.layerPreemptions = layerPreemptions
        self.recomputePreemptions = recomputePreemptions
        self.pausePreemptions = pausePreemptions
        self.restoredTokens = restoredTokens
        self.recomputedTokens = recomputedTokens
    }
}
