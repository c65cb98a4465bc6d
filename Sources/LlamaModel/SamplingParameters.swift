/// How one request turns logits into tokens. Defaults leave every stage off except
/// temperature 1, i.e. plain sampling from the softmax.
///
/// Penalties follow two conventions at once, as llama.cpp does: the CTRL-style repetition
/// penalty and OpenAI's frequency and presence penalties. All three look at the same window:
/// the last `penaltyWindow` ids of prompt + generated tokens.
public struct SamplingParameters: Sendable, Equatable, Codable {
    /// 0 = greedy (argmax, ties go to the lowest id); otherwise logits are divided by it.
    public var temperature: Float = 1.0
    /// Keep only the `topK` most likely tokens; 0 = off.
    public var topK: Int = 0
    /// Keep the smallest set of most likely tokens whose probability reaches `topP`; 1 = off.
    public var topP: Float = 1.0
    /// Keep tokens with probability >= `minP` × the largest probability; 0 = off.
    public var minP: Float = 0.0
    /// For each token seen in the window: `logit > 0 ? logit / penalty : logit * penalty`; 1 = off.
    public var repetitionPenalty: Float = 1.0
    /// `logit -= count × frequencyPenalty`, count = occurrences in the window; 0 = off.
    public var frequencyPenalty: Float = 0.0
    /// `logit -= presencePenalty` for each token that occurs in the window; 0 = off.
    public var presencePenalty: Float = 0.0
    /// How many of the most recent prompt + generated ids the penalties look at; -1 = all, 0 = none.
    public var penaltyWindow: Int = 64
    /// Seed for the random generator; nil = a random seed from the system.
    public var seed: UInt64? = nil
    /// Token id → value added to its logit before every other stage (OpenAI's `logit_bias`).
    public var logitBias: [Int32: Float] = [:]

    /// Argmax decoding: temperature 0, everything else off.
    public static let greedy = SamplingParameters(temperature: 0)

    public init(
        temperature: Float = 1.0,
        topK: Int = 0,
        topP: Float = 1.0,
        minP: Float = 0.0,
        repetitionPenalty: Float = 1.0,
        frequencyPenalty: Float = 0.0,
        presencePenalty: Float = 0.0,
        penaltyWindow: Int = 64,
        seed: UInt64? = nil
    ) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.minP = minP
        self.repetitionPenalty = repetitionPenalty
        self.frequencyPenalty = frequencyPenalty
        self.presencePenalty = presencePenalty
        self.penaltyWindow = penaltyWindow
        self.seed = seed
    }

    /// True when at least one penalty is on and the window is not empty.
    public var hasPenalties: Bool {
        penaltyWindow != 0
            && (repetitionPenalty != 1 || frequencyPenalty != 0 || presencePenalty != 0)
    }

    /// Describes the first invalid field and what to do about it, or returns nil when all are valid.
    public func validationError() -> String? {
        if !(temperature.isFinite && temperature >= 0) {
            return "temperature must be a finite number >= 0 (got \(temperature)); use 0 for greedy decoding"
        }
        if topK < 0 {
            return "topK must be >= 0 (got \(topK)); use 0 to turn top-k off"
        }
        if !(topP > 0 && topP <= 1) {
            return "topP must be in (0, 1] (got \(topP)); use 1 to turn top-p off"
        }
        if !(minP >= 0 && minP <= 1) {
            return "minP must be in [0, 1] (got \(minP)); use 0 to turn min-p off"
        }
        if !(repetitionPenalty.isFinite && repetitionPenalty > 0) {
            return "repetitionPenalty must be a finite number > 0 (got \(repetitionPenalty)); use 1 to turn it off"
        }
        if !(frequencyPenalty >= -2 && frequencyPenalty <= 2) {
            return "frequencyPenalty must be in [-2, 2] (got \(frequencyPenalty)); use 0 to turn it off"
        }
        if !(presencePenalty >= -2 && presencePenalty <= 2) {
            return "presencePenalty must be in [-2, 2] (got \(presencePenalty)); use 0 to turn it off"
        }
        if let (id, bias) = logitBias.first(where: { !($0.value >= -100 && $0.value <= 100) || $0.key < 0 }) {
            return "logitBias must map token ids >= 0 to values in [-100, 100] (got \(id): \(bias))"
        }
        if penaltyWindow < -1 {
            return "penaltyWindow must be >= -1 (got \(penaltyWindow)); use -1 for the whole history or 0 for none"
        }
        return nil
    }

    private enum CodingKeys: String, CodingKey {
        case temperature, topK, topP, minP, repetitionPenalty, frequencyPenalty, presencePenalty
        case penaltyWindow, seed, logitBias
    }

    /// Decodes with every key optional; a missing key takes its default.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = SamplingParameters()
        temperature = try c.decodeIfPresent(Float.self, forKey: .temperature) ?? d.temperature
        topK = try c.decodeIfPresent(Int.self, forKey: .topK) ?? d.topK
        topP = try c.decodeIfPresent(Float.self, forKey: .topP) ?? d.topP
        minP = try c.decodeIfPresent(Float.self, forKey: .minP) ?? d.minP
        repetitionPenalty = try c.decodeIfPresent(Float.self, forKey: .repetitionPenalty) ?? d.repetitionPenalty
        frequencyPenalty = try c.decodeIfPresent(Float.self, forKey: .frequencyPenalty) ?? d.frequencyPenalty
        presencePenalty = try c.decodeIfPresent(Float.self, forKey: .presencePenalty) ?? d.presencePenalty
        penaltyWindow = try c.decodeIfPresent(Int.self, forKey: .penaltyWindow) ?? d.penaltyWindow
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed)
        logitBias = try c.decodeIfPresent([Int32: Float].self, forKey: .logitBias) ?? d.logitBias
    }
}
