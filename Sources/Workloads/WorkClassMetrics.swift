import Scheduling

/// What one class of work (online or offline) got out of a run, with vLLM `bench serve`'s names
/// and definitions. Latencies cover completed requests only; token counts cover the window only.
public struct WorkClassMetrics: Codable, Sendable, Equatable {
    /// Requests that ended with at least one token and no error.
    public var completed: Int
    /// Requests that ended with an error or without a token.
    public var failed: Int
    /// Requests still running when recording stopped (typically offline work cut off by the window).
    public var unfinished: Int
    /// Completed requests per second of the window.
    public var requestThroughput: Double

    /// Time to first token.
    public var ttft: LatencySummary?
    /// Per-request time per output token after the first; requests with one token have none.
    public var tpot: LatencySummary?
    /// Every gap between consecutive tokens of every completed request, pooled.
    public var itl: LatencySummary?
    /// End-to-end latency.
    public var e2el: LatencySummary?

    /// Share (0…1) of completed requests that met the objective; online work only.
    public var sloAttainment: Double?
    /// Requests that met the objective per second of the window; online work only.
    public var goodput: Double?

    /// Prompt tokens of requests whose first token arrived inside the window.
    public var promptTokens: Int
    /// Output tokens that arrived inside the window.
    public var outputTokens: Int
    /// (prompt + output tokens in the window) / window.
    public var tokensPerSecond: Double
    /// Output tokens in the window / window.
    public var outputTokensPerSecond: Double

    /// Measures `records` (all of one class) over a window of `duration` seconds from the start;
    /// judges them against `objective` when given (online work).
    public init(records: [RequestRecord], duration: Double, objective: ServiceLevelObjective?) {
        let done = records.filter(\.succeeded)
        completed = done.count
        failed = records.count { $0.failed }
        unfinished = records.count { $0.unfinished }
        requestThroughput = Self.rate(done.count, over: duration)

        ttft = LatencySummary(seconds: done.compactMap(\.ttft))
        tpot = LatencySummary(seconds: done.compactMap(\.tpot))
        itl = LatencySummary(seconds: done.flatMap(\.itls))
        e2el = LatencySummary(seconds: done.compactMap(\.e2el))

        if let objective {
            let good = done.count { $0.meets(objective) }
            sloAttainment = done.isEmpty ? nil : Double(good) / Double(done.count)
            goodput = Self.rate(good, over: duration)
        }

        let inWindow = records.map { $0.tokens(upTo: duration) }
        promptTokens = inWindow.reduce(0) { $0 + $1.prompt }
        outputTokens = inWindow.reduce(0) { $0 + $1.output }
        tokensPerSecond = Self.rate(promptTokens + outputTokens, over: duration)
        outputTokensPerSecond = Self.rate(outputTokens, over: duration)
    }

    /// Events per second; an empty window has no rate and reports 0 rather than infinity, which
    /// JSON cannot carry.
    static func rate(_ count: Int, over duration: Double) -> Double {
        duration > 0 ? Double(count) / duration : 0
    }
}
