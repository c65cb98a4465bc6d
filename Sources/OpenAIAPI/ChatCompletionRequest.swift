import Foundation

/// The body of `POST /v1/chat/completions`.
///
/// Decode a client's body with `ChatCompletionRequest.decode(_:)`, which checks types, shapes,
/// ranges and unknown fields and names the offending `param` in its error. Requests built in
/// code (the bench client, the CLI) encode with `JSONEncoder` into what the server decodes;
/// `validate()` applies the same rules to them.
///
/// Fields OpenAI clients commonly send that change nothing here are accepted when they ask
/// for nothing (`logit_bias: {}`, `response_format: {"type": "text"}`, `tools: []`,
/// `tool_choice: "none"`, `parallel_tool_calls`, `store: false`, `modalities: ["text"]`) and
/// are not kept; any value this server cannot honor is an error, never silently dropped.
public struct ChatCompletionRequest: TextGenerationRequest, Codable, Equatable {
    public var model: String
    /// The conversation so far, at least one message.
    public var messages: [Message]
    /// Output tokens at most (the older name of `max_completion_tokens`).
    public var maxTokens: Int?
    public var maxCompletionTokens: Int?
    public var temperature: Double?
    public var topP: Double?
    public var n: Int?
    public var stream: Bool?
    public var streamOptions: StreamOptions?
    public var stop: [String]?
    public var seed: Int?
    public var presencePenalty: Double?
    public var frequencyPenalty: Double?
    /// Return each output token's log-probability.
    public var logprobs: Bool?
    /// 0…20 alternatives per token; needs `logprobs: true`.
    public var topLogprobs: Int?
    public var user: String?
    public var serviceTier: ServiceTier?
    public var sloTTFTMilliseconds: Double?
    public var sloTPOTMilliseconds: Double?
    public var ignoreEOS: Bool?
    public var minTokens: Int?
    public var responseFormat: ResponseFormat?
    public var logitBias: [String: Double]?
    public var priority: Int?
    /// Functions the model may call (`tool_choice` says whether it must).
    public var tools: [ChatTool]?
    public var toolChoice: ToolChoice?
    /// Whether one answer may hold several calls (default true).
    public var parallelToolCalls: Bool?

    public init(model: String, messages: [Message], maxTokens: Int? = nil, maxCompletionTokens: Int? = nil,
                temperature: Double? = nil, topP: Double? = nil, n: Int? = nil, stream: Bool? = nil,
                streamOptions: StreamOptions? = nil, stop: [String]? = nil, seed: Int? = nil,
                presencePenalty: Double? = nil, frequencyPenalty: Double? = nil, logprobs: Bool? = nil,
                topLogprobs: Int? = nil, user: String? = nil, serviceTier: ServiceTier? = nil,
                sloTTFTMilliseconds: Double? = nil, sloTPOTMilliseconds: Double? = nil,
                ignoreEOS: Bool? = nil, minTokens: Int? = nil) {
        self.model = model
        self.messages = messages
        self.maxTokens = maxTokens
        self.maxCompletionTokens = maxCompletionTokens
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
        self.topLogprobs = topLogprobs
        self.user = user
        self.serviceTier = serviceTier
        self.sloTTFTMilliseconds = sloTTFTMilliseconds
        self.sloTPOTMilliseconds = sloTPOTMilliseconds
        self.ignoreEOS = ignoreEOS
        self.minTokens = minTokens
    }

    /// The output limit the client asked for, under either name; nil means "up to the
    /// context window".
    public var outputTokenLimit: Int? { maxCompletionTokens ?? maxTokens }

    /// Whether each output token's log-probability is returned.
    public var wantsLogprobs: Bool { logprobs ?? false }

    enum CodingKeys: String, CodingKey {
        case model, messages, temperature, n, stream, stop, seed, logprobs, user
        case maxTokens = "max_tokens"
        case maxCompletionTokens = "max_completion_tokens"
        case topP = "top_p"
        case streamOptions = "stream_options"
        case presencePenalty = "presence_penalty"
        case frequencyPenalty = "frequency_penalty"
        case topLogprobs = "top_logprobs"
        case serviceTier = "service_tier"
        case sloTTFTMilliseconds = "slo_ttft_ms"
        case sloTPOTMilliseconds = "slo_tpot_ms"
        case ignoreEOS = "ignore_eos"
        case minTokens = "min_tokens"
        case responseFormat = "response_format"
        case logitBias = "logit_bias"
        case priority, tools
        case toolChoice = "tool_choice"
        case parallelToolCalls = "parallel_tool_calls"
    }

    /// The tools the model is offered and how: nil when there are none or `tool_choice` is "none".
    public var activeToolChoice: ToolChoice? {
        guard let tools, !tools.isEmpty else { return nil }
        let choice = toolChoice ?? .auto
        return choice == .none ? nil : choice
    }

    /// Decoding goes through the same validation as `decode(_:)`, so a request nested in
    /// another document (a batch input line) is checked as strictly; errors are `APIError`s
    /// whose `param` is relative to the request.
    public init(from decoder: any Decoder) throws {
        try self.init(validating: JSONValue.requestFields(from: decoder))
    }

    // Encoding is synthesized: nil fields are left out, so only what was set is sent.
}

// MARK: - Validation

extension ChatCompletionRequest {
    /// Checks ranges and the rules between fields; `decode(_:)` runs it, and code that
    /// builds a request by hand can too.
    public func validate() throws(APIError) {
        if model.isEmpty { throw .missingParameter("model") }
        if messages.isEmpty { throw .emptyArray(param: "messages") }
        for (index, message) in messages.enumerated() {
            try message.validate(at: "messages[\(index)]")
        }
        try ParameterCheck.integer(maxTokens, "max_tokens", atLeast: 1)
        try ParameterCheck.integer(maxCompletionTokens, "max_completion_tokens", atLeast: 1)
        if let maxTokens, let maxCompletionTokens, maxTokens != maxCompletionTokens {
            throw .invalidValue(param: "max_completion_tokens",
                                "'max_tokens' (\(maxTokens)) and 'max_completion_tokens' (\(maxCompletionTokens)) "
                                    + "disagree; send only 'max_completion_tokens'.")
        }
        try ParameterCheck.integer(topLogprobs, "top_logprobs", atLeast: 0, atMost: 20)
        if topLogprobs != nil && !wantsLogprobs {
            throw .invalidValue(param: "top_logprobs", "'logprobs' must be set to true when 'top_logprobs' is used.")
        }
        try validateSharedFields(maxTokens: outputTokenLimit)
        try validateTools()
    }

    private func validateTools() throws(APIError) {
        let names = (tools ?? []).map(\.name)
        if let duplicate = names.enumerated().first(where: { names[..<$0.offset].contains($0.element) }) {
            throw .invalidValue(param: "tools[\(duplicate.offset)].function.name", "two tools are named '\(duplicate.element)'.")
        }
        switch toolChoice {
        case .required?, .function?:
            if names.isEmpty { throw .invalidValue(param: "tool_choice", "'tool_choice' needs 'tools' to choose from.") }
            if case .function(let name)? = toolChoice, !names.contains(name) {
                throw .invalidValue(param: "tool_choice.function.name", "no tool is named '\(name)'; tools: \(names.joined(separator: ", ")).")
            }
        default: break
        }
        if activeToolChoice != nil, constrainsOutput {
            throw .unsupported(param: "response_format", "a JSON 'response_format' together with tools is not supported; "
                                   + "send 'tool_choice': \"none\" or leave 'response_format' out.")
        }
    }
}
