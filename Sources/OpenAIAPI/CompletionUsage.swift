/// Token counts of one request, in every non-streaming response and in the final chunk of a
/// stream that asked for `stream_options.include_usage`.
public struct CompletionUsage: Codable, Sendable, Equatable {
    public struct PromptTokensDetails: Codable, Sendable, Equatable {
        /// Prompt tokens served from the prefix cache instead of computed.
        public var cachedTokens: Int

        public init(cachedTokens: Int) {
            self.cachedTokens = cachedTokens
        }

        enum CodingKeys: String, CodingKey {
            case cachedTokens = "cached_tokens"
        }
    }

    public var promptTokens: Int
    public var completionTokens: Int
    /// Always `promptTokens + completionTokens`; stored because it is on the wire.
    public var totalTokens: Int
    @Nullable public var promptTokensDetails: PromptTokensDetails?

    public init(promptTokens: Int, completionTokens: Int, cachedTokens: Int = 0) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.totalTokens = promptTokens + completionTokens
        self.promptTokensDetails = PromptTokensDetails(cachedTokens: cachedTokens)
    }

    enum CodingKeys: String, CodingKey {
        case promptTokens = "prompt_tokens"
        case completionTokens = "completion_tokens"
        case totalTokens = "total_tokens"
        case promptTokensDetails = "prompt_tokens_details"
    }
}

/// Why a choice ended.
public enum CompletionFinishReason: String, Codable, Sendable, CaseIterable {
    /// End of text, or a stop sequence.
    case stop
    /// The output limit (or the context window) was reached.
    case length
    /// Never sent by this server; here so that responses of other servers decode.
    case contentFilter = "content_filter"
    /// Never sent by this server (it does not call tools); as above.
    case toolCalls = "tool_calls"
}

/// Log-probabilities cross the wire as finite numbers only: JSON has no -Infinity and
/// JSONEncoder refuses it. A token the sampler could never pick is sent as -9999, as vLLM does.
func finiteLogprob(_ logprob: Double) -> Double {
    logprob.isFinite ? logprob : -9999
}
