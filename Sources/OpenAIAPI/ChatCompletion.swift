/// The response of a non-streaming `POST /v1/chat/completions` (object "chat.completion").
public struct ChatCompletion: Codable, Sendable, Equatable {
    /// One generated answer; this server sends exactly one, with index 0.
    public struct Choice: Codable, Sendable, Equatable {
        public var index: Int
        public var message: Message
        /// Null unless the request asked for `logprobs`.
        public var logprobs: ChatCompletionLogprobs?
        public var finishReason: CompletionFinishReason?

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

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(index, forKey: .index)
            try container.encode(message, forKey: .message)
            try container.encode(logprobs, forKey: .logprobs)
            try container.encode(finishReason, forKey: .finishReason)
        }
    }

    /// The generated message.
    public struct Message: Codable, Sendable, Equatable {
        public var role: ChatRole
        public var content: String?
        /// Never set by this server; sent as null, as OpenAI does.
        public var refusal: String?

        public init(role: ChatRole = .assistant, content: String?) {
            self.role = role
            self.content = content
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(role, forKey: .role)
            try container.encode(content, forKey: .content)
            try container.encode(refusal, forKey: .refusal)
        }
    }

    /// "chatcmpl-…"; see `ObjectID.chatCompletion()`.
    public var id: String
    public var object = "chat.completion"
    /// Unix seconds.
    public var created: Int
    public var model: String
    public var choices: [Choice]
    public var usage: CompletionUsage?
    /// The tier the request ran under.
    public var serviceTier: ServiceTier?
    public var systemFingerprint: String?

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

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(object, forKey: .object)
        try container.encode(created, forKey: .created)
        try container.encode(model, forKey: .model)
        try container.encode(choices, forKey: .choices)
        try container.encode(usage, forKey: .usage)
        try container.encode(serviceTier, forKey: .serviceTier)
        try container.encode(systemFingerprint, forKey: .systemFingerprint)
    }
}
