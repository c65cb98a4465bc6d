/// Predicts how many tokens a request will generate, learned online from finished requests
/// (EcoServe's response-length prediction).
///
/// Finished requests are kept per (prompt-length bucket, class), the last `window` of each;
/// a prediction is the `quantile` of its bucket's lengths, so that share of requests stays
/// within it. A bucket with too few samples borrows its class's, and with none the prediction
/// is `coldStart`. Every prediction is capped by the request's `max_tokens`.
public struct OutputLengthPredictor: Sendable {
    public var quantile: Double
    public var window: Int
    public var coldStart: Int
    /// Samples a bucket needs before its own quantile is trusted.
    public var minimumSamples = 8

    struct Key: Hashable { var promptBucket: Int; var online: Bool }
    private var lengths: [Key: [Int]] = [:]
    private var classLengths: [Bool: [Int]] = [:]
    public private(set) var accuracy = PredictionAccuracy()

    public init(quantile: Double = 0.9, window: Int = 256, coldStart: Int = 256) {
        self.quantile = quantile
        self.window = window
        self.coldStart = coldStart
    }

    /// Prompt lengths in powers of two: 1, 2–3, 4–7, …
    static func bucket(promptTokens: Int) -> Int { max(promptTokens, 1).bitWidth - max(promptTokens, 1).leadingZeroBitCount - 1 }

    public func predict(promptTokens: Int, online: Bool, maxTokens: Int) -> Int {
        let own = lengths[Key(promptBucket: Self.bucket(promptTokens: promptTokens), online: online)] ?? []
        let samples = own.count >= minimumSamples ? own : classLengths[online] ?? []
        let guess = samples.count >= minimumSamples ? Self.quantile(quantile, of: samples) : coldStart
        return max(1, min(guess, maxTokens))
    }

    /// Learns a finished request's length, and scores the prediction it had.
    public mutating func observe(promptTokens: Int, online: Bool, predicted: Int?, actual: Int) {
        if let predicted { accuracy.add(predicted: predicted, actual: actual) }
        let key = Key(promptBucket: Self.bucket(promptTokens: promptTokens), online: online)
        Self.push(actual, into: &lengths[key, default: []], window: window)
        Self.push(actual, into: &classLengths[online, default: []], window: window)
    }

    private static func push(_ value: Int, into list: inout [Int], window: Int) {
        list.append(value)
        if list.count > window { list.removeFirst(list.count - window) }
    }

    /// The `q` quantile (nearest rank, rounding up) of `values`.
    static func quantile(_ q: Double, of values: [Int]) -> Int {
        let sorted = values.sorted()
        let rank = Int((q * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }
}

/// How good the length predictions were, over the requests that finished.
public struct PredictionAccuracy: Sendable, Equatable, Codable {
    public var count = 0
    /// Requests whose output stayed within the prediction.
    public var withinPrediction = 0
    public var absoluteErrorSum = 0
    public var actualSum = 0

    public init() {}

    mutating func add(predicted: Int, actual: Int) {
        count += 1
        if actual <= predicted { withinPrediction += 1 }
        absoluteErrorSum += abs(predicted - actual)
        actualSum += actual
    }

    /// Share of requests that stayed within their prediction.
    public var coverage: Double { count == 0 ? 0 : Double(withinPrediction) / Double(count) }
    /// Mean |predicted − actual| in tokens.
    public var meanAbsoluteError: Double { count == 0 ? 0 : Double(absoluteErrorSum) / Double(count) }
    /// Σ|predicted − actual| / Σ actual.
    public var relativeError: Double { actualSum == 0 ? 0 : Double(absoluteErrorSum) / Double(actualSum) }
}
