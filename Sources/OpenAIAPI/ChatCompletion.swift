/// The response of a non-streaming `POST /v1/chat/completions` (object "chat.completion").
public struct ChatCompletion: Codable, Sendable, Equatable {
    /// One generated answer; this server sends exactly one, with index 0.
    public struct Choice: Codable, Sendable, Equatable {
        public var index: Int
        public var message: Message
        /// Null unless the request asked for `logprobs`.
        @Nullable public var logprobs: ChatCompletionLogprobs?
        @Nullable public var finishReason: CompletionFinishReason?

        public init(index: Int = 0, message: Message, logprobs: ChatCompletionLogprobs? = nil,
                    finishReason: CompletionFinishReason?) {
            self.index = index
            self.message = message
            self.logprobs = logprobs
            self.finishReason = finishReason
        }

        enum CodingKeys: String, CodingKey {
            case index, message, logprobs
            case finishReason = "finish_reason"
        }
    }

    /// The generated message.
    public struct Message: Codable, Sendable, Equatable {
        public var role: ChatRole
        @Nullable public var content: String?
        /// Never set by this server; sent as null, as OpenAI does.
        @Nullable public var refusal: String?
        /// The calls the model made; left out when it made none.
        public var toolCalls: [ToolCall]?

        public init(role: ChatRole = .assistant, content: String?, toolCalls: [ToolCall]? = nil) {
            self.role = role
            self.content = content
            self.toolCalls = toolCalls
        }

        enum CodingKeys: String, CodingKey {
            case role, content, refusal
            case toolCalls = "tool_calls"
        }
    }

    /// "chatcmpl-…"; see `ObjectID.chatCompletion()`.
    public var id: String
    public var object = "chat.completion"
    /// Unix seconds.
    public var created: Int
    public var model: String
    public var choices: [Choice]
    @Nullable public var usage: CompletionUsage?
    /// The tier the request ran under.
    @Nullable public var serviceTier: ServiceTier?
    @Nullable public var systemFingerprint: String?

    public init(id: String, created: Int, model: String, choices: [Choice], usage: CompletionUsage?,
                serviceTier: ServiceTier? = nil, systemFingerprint: String? = nil) {
        self.id = id
        self.created = created
        self.model = model
        self.choices = choices
        self.usage = usage
        self.serviceTier = serviceTier
        self.systemFingerprint = systemFingerprint
    }

    enum CodingKeys: String, CodingKey {
        case id, object, created, model, choices, usage
        case serviceTier = "service_tier"
        case systemFingerprint = "system_fingerprint"
    }
}
