/// One server-sent event of a streaming `POST /v1/chat/completions` (object
/// "chat.completion.chunk").
///
/// A stream sends a first chunk whose delta carries the role, then chunks of content, then
/// one with an empty delta and the finish reason; with `stream_options.include_usage` a
/// last chunk follows with no choices and the usage. `usage` is null in every other chunk.
/// With `n` > 1 each choice does the same in chunks of its own, told apart by its `index`.
public struct ChatCompletionChunk: Codable, Sendable, Equatable {
    public struct Choice: Codable, Sendable, Equatable {
        public var index: Int
        public var delta: Delta
        @Nullable public var logprobs: ChatCompletionLogprobs?
        /// Null until the last content chunk.
        @Nullable public var finishReason: CompletionFinishReason?

        public init(index: Int = 0, delta: Delta, logprobs: ChatCompletionLogprobs? = nil,
                    finishReason: CompletionFinishReason? = nil) {
            self.index = index
            self.delta = delta
            self.logprobs = logprobs
            self.finishReason = finishReason
        }

        enum CodingKeys: String, CodingKey {
            case index, delta, logprobs
            case finishReason = "finish_reason"
        }
    }

    /// What this chunk adds to the message. Unlike elsewhere, absent fields are left out
    /// rather than sent as null: the closing chunk's delta is `{}`, as OpenAI sends it.
    public struct Delta: Codable, Sendable, Equatable {
        public var role: ChatRole?
        public var content: String?
        public var toolCalls: [ToolCallDelta]?

        public init(role: ChatRole? = nil, content: String? = nil, toolCalls: [ToolCallDelta]? = nil) {
            self.role = role
            self.content = content
            self.toolCalls = toolCalls
        }

        enum CodingKeys: String, CodingKey {
            case role, content
            case toolCalls = "tool_calls"
        }
    }

    /// A tool call in a stream, in pieces as OpenAI sends it: a call's first delta has its
    /// `index`, `id`, `type` and `function.name`, with empty `arguments`; the later ones have the
    /// `index` and the next fragment of `function.arguments`, which clients concatenate.
    public struct ToolCallDelta: Codable, Sendable, Equatable {
        public struct Function: Codable, Sendable, Equatable {
            public var name: String?
            public var arguments: String

            public init(name: String? = nil, arguments: String) {
                self.name = name
                self.arguments = arguments
            }
        }

        public var index: Int
        public var id: String?
        public var type: String?
        public var function: Function

        public init(index: Int, id: String? = nil, type: String? = nil, function: Function) {
            self.index = index
            self.id = id
            self.type = type
            self.function = function
        }

        /// A whole call in one delta.
        public init(index: Int, call: ToolCall) {
            self.init(index: index, id: call.id, type: call.type, function: .init(name: call.function.name, arguments: call.function.arguments))
        }

        /// A call's first delta: who is called, no arguments yet.
        public static func start(index: Int, id: String, name: String) -> ToolCallDelta {
            ToolCallDelta(index: index, id: id, type: "function", function: .init(name: name, arguments: ""))
        }

        /// The next fragment of a call's arguments.
        public static func arguments(index: Int, _ fragment: String) -> ToolCallDelta {
            ToolCallDelta(index: index, function: .init(arguments: fragment))
        }
    }

    public var id: String
    public var object = "chat.completion.chunk"
    /// Unix seconds; the same in every chunk of a stream.
    public var created: Int
    public var model: String
    public var choices: [Choice]
    @Nullable public var usage: CompletionUsage?
    @Nullable public var serviceTier: ServiceTier?
    @Nullable public var systemFingerprint: String?

    public init(id: String, created: Int, model: String, choices: [Choice], usage: CompletionUsage? = nil,
                serviceTier: ServiceTier? = nil, systemFingerprint: String? = nil) {
        self.id = id
        self.created = created
        self.model = model
        self.choices = choices
        self.usage = usage
        self.serviceTier = serviceTier
        self.systemFingerprint = systemFingerprint
    }

    /// The chunk that closes a stream with `include_usage`: no choices, just the usage.
    public static func usageChunk(id: String, created: Int, model: String, usage: CompletionUsage,
                                  serviceTier: ServiceTier? = nil, systemFingerprint: String? = nil) -> ChatCompletionChunk {
        ChatCompletionChunk(id: id, created: created, model: model, choices: [], usage: usage,
                            serviceTier: serviceTier, systemFingerprint: systemFingerprint)
    }

    enum CodingKeys: String, CodingKey {
        case id, object, created, model, choices, usage
        case serviceTier = "service_tier"
        case systemFingerprint = "system_fingerprint"
    }
}
