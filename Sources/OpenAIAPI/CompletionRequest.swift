import Foundation

/// The body of the legacy `POST /v1/completions`: a raw prompt, no chat template.
///
/// Decode a client's body with `CompletionRequest.decode(_:)`; requests built in code encode
/// with `JSONEncoder` and can be checked with `validate()`. One prompt per request: a string,
/// a one-element array of strings, or token ids (flat, or a one-element array of arrays).
public struct CompletionRequest: TextGenerationRequest, Codable, Equatable {
    /// What the model continues.
    public enum Prompt: Sendable, Equatable, Encodable {
        case text(String)
        /// Token ids of the served model's vocabulary, used as they are (no BOS is added).
        case tokens([Int32])

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .text(let text): try container.encode(text)
            case .tokens(let tokens): try container.encode(tokens)
            }
        }
    }

    /// OpenAI's default output limit for this endpoint when `max_tokens` is not sent.
    public static let defaultMaxTokens = 16

    public var model: String
    public var prompt: Prompt
    /// Output tokens at most (default 16); 0 runs the prompt only, which with `echo` and
    /// `logprobs` scores it.
    public var maxTokens: Int?
    public var temperature: Double?
    public var topP: Double?
    public var n: Int?
    public var stream: Bool?
    public var streamOptions: StreamOptions?
    public var stop: [String]?
    public var seed: Int?
    public var presencePenalty: Double?
    public var frequencyPenalty: Double?
    /// 0…5: return each token's log-probability and this many alternatives.
    public var logprobs: Int?
    /// Return the prompt before the completion (with its log-probabilities when asked).
    public var echo: Bool?
    public var user: String?
    public var serviceTier: ServiceTier?
    public var sloTTFTMilliseconds: Double?
    public var sloTPOTMilliseconds: Double?
    public var ignoreEOS: Bool?
    public var minTokens: Int?
    /// Token id (as a string) → bias added to its logit, −100…100; −100 bans the token. (The
    /// bench forces output lengths on servers without `ignore_eos` this way.)
    public var logitBias: [String: Double]?
    public var responseFormat: ResponseFormat?
    public var priority: Int?

    public init(model: String, prompt: Prompt, maxTokens: Int? = nil, temperature: Double? = nil,
                topP: Double? = nil, n: Int? = nil, stream: Bool? = nil, streamOptions: StreamOptions? = nil,
                stop: [String]? = nil, seed: Int? = nil, presencePenalty: Double? = nil,
                frequencyPenalty: Double? = nil, logprobs: Int? = nil, echo: Bool? = nil, user: String? = nil,
                serviceTier: ServiceTier? = nil, sloTTFTMilliseconds: Double? = nil,
                sloTPOTMilliseconds: Double? = nil, ignoreEOS: Bool? = nil, minTokens: Int? = nil) {
        self.model = model
        self.prompt = prompt
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.topP = topP
        self.n = n
        self.stream = stream
        self.streamOptions = streamOptions
        self.stop = stop
        self.seed = seed
        self.presencePenalty = presencePenalty
        self.frequencyPenalty = frequencyPenalty
        self.logprobs = logprobs
        self.echo = echo
        self.user = user
        self.serviceTier = serviceTier
        self.sloTTFTMilliseconds = sloTTFTMilliseconds
        self.sloTPOTMilliseconds = sloTPOTMilliseconds
        self.ignoreEOS = ignoreEOS
        self.minTokens = minTokens
    }

    /// The output limit that applies.
    public var outputTokenLimit: Int { maxTokens ?? Self.defaultMaxTokens }
    public var echoesPrompt: Bool { echo ?? false }

    enum CodingKeys: String, CodingKey {
        case model, prompt, temperature, n, stream, stop, seed, logprobs, echo, user
        case maxTokens = "max_tokens"
        case topP = "top_p"
        case streamOptions = "stream_options"
        case presencePenalty = "presence_penalty"
        case frequencyPenalty = "frequency_penalty"
        case serviceTier = "service_tier"
        case sloTTFTMilliseconds = "slo_ttft_ms"
        case sloTPOTMilliseconds = "slo_tpot_ms"
        case ignoreEOS = "ignore_eos"
        case minTokens = "min_tokens"
        case logitBias = "logit_bias"
        case responseFormat = "response_format"
        case priority
    }

    /// Decoding validates as `decode(_:)` does (see `ChatCompletionRequest.init(from:)`).
    public init(from decoder: any Decoder) throws {
        try self.init(validating: JSONValue.requestFields(from: decoder))
    }
}

// MARK: - Validation

extension CompletionRequest {
    public func validate() throws(APIError) {
        if model.isEmpty { throw .missingParameter("model") }
        if case .tokens(let tokens) = prompt {
            if tokens.isEmpty { throw .emptyArray(param: "prompt") }
            if let index = tokens.firstIndex(where: { $0 < 0 }) {
                throw .invalidValue(param: "prompt[\(index)]", "token ids must not be negative (got \(tokens[index])).")
            }
        }
        try ParameterCheck.integer(maxTokens, "max_tokens", atLeast: 0)
        if maxTokens == 0 && !echoesPrompt {
            throw .invalidValue(param: "max_tokens",
                                "0 is allowed only with 'echo': true (to score the prompt); ask for at least 1 token.")
        }
        try ParameterCheck.integer(logprobs, "logprobs", atLeast: 0, atMost: 5)
        try validateSharedFields(maxTokens: outputTokenLimit)
    }
}
