import Scheduling

/// How one record counts toward a run's figures: whether it failed, whether it met the objective,
/// and which of its tokens fall inside the measured window.
extension RequestRecord {
    /// It ended without delivering a response: an error, or a stream that closed with no token.
    /// A request still running at the end has not failed; it is merely unfinished.
    public var failed: Bool { !succeeded && (error != nil || finished != nil) }

    /// Neither completed nor failed: still running when the run stopped recording.
    public var unfinished: Bool { error == nil && finished == nil }

    /// A completed request met the objective when its TTFT and its TPOT are both within it; a
    /// single-token output has no TPOT, so only its TTFT is judged.
    public func meets(_ objective: ServiceLevelObjective) -> Bool {
        guard succeeded, let ttft, ttft <= objective.ttft else { return false }
        guard let tpot else { return true }
        return tpot <= objective.tpot
    }

    /// Tokens processed by `time`: the prompt once the first token shows it was prefilled, and
    /// each output token that had arrived. Failed requests count nothing, as in vLLM, so work
    /// the user never got is not throughput; unfinished ones count what they did.
    public func tokens(upTo time: Double) -> (prompt: Int, output: Int) {
        guard !failed, let first = tokenTimes.first, first <= time else { return (0, 0) }
        // tokenTimes ascend, so the tokens in the window are a prefix.
        let output = tokenTimes.firstIndex { $0 > time } ?? tokenTimes.count
        return (promptTokens, output)
    }
}
