/// Which class of service a request asks for. OpenAI's `service_tier`; here it picks the
/// scheduling class: `flex` requests are offline work (no deadline, run in the gaps online
/// traffic leaves), the others are online.
public enum ServiceTier: String, Codable, Sendable, CaseIterable {
    case auto
    case `default`
    case flex

    /// Whether the scheduler treats the request as offline work.
    public var isOffline: Bool { self == .flex }
}

/// `stream_options`: only meaningful with `stream: true`.
public struct StreamOptions: Codable, Sendable, Equatable {
    /// Send one more chunk before `[DONE]` with the request's usage and no choices.
    public var includeUsage: Bool?

    public init(includeUsage: Bool? = nil) {
        self.includeUsage = includeUsage
    }

    enum CodingKeys: String, CodingKey {
        case includeUsage = "include_usage"
    }
}

/// The fields chat and legacy completion requests share: sampling, streaming, stop rules,
/// the service tier and ConServe's extensions. Each is nil when the client did not send it,
/// so that encoding a request sends only what was set; the computed properties give the
/// values that then apply.
public protocol TextGenerationRequest: Sendable {
    var model: String { get set }
    /// 0…2; 0 is greedy.
    var temperature: Double? { get set }
    /// In (0, 1].
    var topP: Double? { get set }
    /// Choices per request; this server generates exactly one.
    var n: Int? { get set }
    var stream: Bool? { get set }
    var streamOptions: StreamOptions? { get set }
    /// Up to four strings; the output ends right before the first of them. A single string
    /// on the wire is read as a one-element array.
    var stop: [String]? { get set }
    var seed: Int? { get set }
    /// −2…2.
    var presencePenalty: Double? { get set }
    /// −2…2.
    var frequencyPenalty: Double? { get set }
    var user: String? { get set }
    var serviceTier: ServiceTier? { get set }
    /// ConServe extension `slo_ttft_ms`: this request's time-to-first-token objective.
    var sloTTFTMilliseconds: Double? { get set }
    /// ConServe extension `slo_tpot_ms`: this request's time-per-output-token objective.
    var sloTPOTMilliseconds: Double? { get set }
    /// Benchmark extension `ignore_eos` (as in vLLM): keep generating past end-of-text tokens.
    var ignoreEOS: Bool? { get set }
    /// Benchmark extension `min_tokens` (as in vLLM): no stop applies before this many tokens.
    var minTokens: Int? { get set }
    /// The shape the output must take; nil or `.text` for free text.
    var responseFormat: ResponseFormat? { get set }
    /// Token id (as a string, as on the wire) → bias added to its logit, −100…100 (−100 bans
    /// the token in practice). Decoded requests have only valid ids here; see `tokenBiases`.
    var logitBias: [String: Double]? { get set }
    /// vLLM's `priority`: an integer, lower runs sooner. Here it picks the class: 0 or below
    /// is online (the default), above 0 is offline work, as `service_tier: "flex"` is.
    var priority: Int? { get set }
}

extension TextGenerationRequest {
    public var isStreaming: Bool { stream ?? false }
    /// Whether a stream ends with a usage chunk.
    public var includesUsageInStream: Bool { isStreaming && (streamOptions?.includeUsage ?? false) }
    /// Whether the scheduler runs this as offline work (`service_tier: "flex"`).
    public var isOffline: Bool { (serviceTier?.isOffline ?? false) || (priority ?? 0) > 0 }
    /// `logit_bias` by token id; keys that are not ids (possible only in requests built in code) are left out.
    public var tokenBiases: [Int32: Double] {
        var biases: [Int32: Double] = [:]
        for (key, bias) in logitBias ?? [:] { if let id = Int32(key) { biases[id] = bias } }
        return biases
    }
    /// Whether decoding is constrained to a JSON grammar.
    public var constrainsOutput: Bool { responseFormat?.constrainsOutput ?? false }
}

// MARK: - Reading and checking the shared fields

extension TextGenerationRequest {
    /// The wire names of the shared fields.
    static var sharedFieldKeys: Set<String> {
        ["model", "temperature", "top_p", "n", "stream", "stream_options", "stop", "seed",
         "presence_penalty", "frequency_penalty", "user", "service_tier",
         "slo_ttft_ms", "slo_tpot_ms", "ignore_eos", "min_tokens", "logit_bias", "response_format", "priority"]
    }

    /// Reads the shared fields' types and shapes; ranges are `validateSharedFields`'s job.
    mutating func readSharedFields(from body: JSONObjectReader) throws(APIError) {
        temperature = try body.number("temperature")
        topP = try body.number("top_p")
        n = try body.integer("n")
        stream = try body.bool("stream")
        if let options = try body.object("stream_options") {
            try options.rejectUnknownKeys(["include_usage"])
            streamOptions = StreamOptions(includeUsage: try options.bool("include_usage"))
        }
        stop = try Self.readStop(body)
        seed = try body.integer("seed")
        presencePenalty = try body.number("presence_penalty")
        frequencyPenalty = try body.number("frequency_penalty")
        user = try body.string("user")
        if let tier = try body.string("service_tier") {
            guard let parsed = ServiceTier(rawValue: tier) else {
                throw .invalidValue(param: body.param("service_tier"), got: tier,
                                    supported: ServiceTier.allCases.map(\.rawValue))
            }
            serviceTier = parsed
        }
        sloTTFTMilliseconds = try body.number("slo_ttft_ms")
        sloTPOTMilliseconds = try body.number("slo_tpot_ms")
        ignoreEOS = try body.bool("ignore_eos")
        minTokens = try body.integer("min_tokens")
        if let bias = try body.object("logit_bias") {
            var biases: [String: Double] = [:]
            for key in bias.fields.keys.sorted() {
                guard let id = Int32(key), id >= 0, String(id) == key else {
                    throw .invalidValue(param: bias.param(key), "logit_bias keys must be token ids (non-negative integers as strings), got \"\(key)\".")
                }
                biases[key] = try bias.require(bias.number(key), key)
            }
            logitBias = biases.isEmpty ? nil : biases
        }
        if let format = try body.object("response_format") { responseFormat = try ResponseFormat.read(format) }
        priority = try body.integer("priority")
    }

    /// `stop` is a string or an array of strings.
    private static func readStop(_ body: JSONObjectReader) throws(APIError) -> [String]? {
        switch body.value("stop") {
        case nil: return nil
        case .string(let single)?: return [single]
        case .array(let elements)?:
            var strings: [String] = []
            for (index, element) in elements.enumerated() {
                strings.append(try element.string(at: body.param("stop[\(index)]")))
            }
            return strings
        case let other?:
            throw .invalidType(param: body.param("stop"), expected: "a string or an array of strings",
                               got: other.kindDescription)
        }
    }

    /// Range and consistency rules of the shared fields. `maxTokens` is the output limit
    /// that will apply, against which `min_tokens` is checked.
    func validateSharedFields(maxTokens: Int?) throws(APIError) {
        try ParameterCheck.number(temperature, "temperature", in: 0...2)
        try ParameterCheck.number(topP, "top_p", in: 0...1, excludingLowerBound: true)
        try ParameterCheck.integer(n, "n", atLeast: 1, atMost: 16)
        if let logitBias {
            for (id, bias) in logitBias.sorted(by: { $0.key < $1.key }) {
                try ParameterCheck.number(bias, "logit_bias.\(id)", in: -100...100)
            }
        }
        if constrainsOutput, ignoreEOS == true {
            throw .invalidValue(param: "ignore_eos", "'ignore_eos' cannot be combined with a JSON 'response_format': "
                                    + "the output ends where the JSON does.")
        }
        if streamOptions != nil && !isStreaming {
            throw .invalidValue(param: "stream_options", "'stream_options' is only allowed when 'stream' is true.")
        }
        try ParameterCheck.stopSequences(stop)
        try ParameterCheck.number(presencePenalty, "presence_penalty", in: -2...2)
        try ParameterCheck.number(frequencyPenalty, "frequency_penalty", in: -2...2)
        try ParameterCheck.positive(sloTTFTMilliseconds, "slo_ttft_ms")
        try ParameterCheck.positive(sloTPOTMilliseconds, "slo_tpot_ms")
        if isOffline, sloTTFTMilliseconds != nil || sloTPOTMilliseconds != nil {
            throw .invalidValue(param: sloTTFTMilliseconds != nil ? "slo_ttft_ms" : "slo_tpot_ms",
                                "latency objectives apply to online requests, but 'service_tier' \"flex\" "
                                    + "runs this one offline, without deadlines. Drop the objective or the tier.")
        }
        try ParameterCheck.integer(minTokens, "min_tokens", atLeast: 0)
        if let minTokens, let maxTokens, minTokens > maxTokens {
            throw .invalidValue(param: "min_tokens",
                                "'min_tokens' (\(minTokens)) must not exceed the output limit (\(maxTokens)).")
        }
    }
}
