/// The response of a legacy `POST /v1/completions` (object "text_completion"), and each
/// event of its stream: OpenAI uses the same object for both. In a stream, `usage` is null
/// except in the closing usage chunk (no choices) that `stream_options.include_usage` asks for.
public struct Completion: Codable, Sendable, Equatable {
    public struct Choice: Codable, Sendable, Equatable {
        public var text: String
        public var index: Int
        /// Null unless the request asked for `logprobs`.
        @Nullable public var logprobs: Logprobs?
        /// Null in stream chunks before the last.
        @Nullable public var finishReason: CompletionFinishReason?

        public init(text: String, index: Int = 0, logprobs: Logprobs? = nil, finishReason: CompletionFinishReason?) {
            self.text = text
            self.index = index
            self.logprobs = logprobs
            self.finishReason = finishReason
        }

        enum CodingKeys: String, CodingKey {
            case text, index, logprobs
            case finishReason = "finish_reason"
        }
    }

    /// The legacy logprobs layout: parallel arrays, one entry per token of `text`.
    public struct Logprobs: Codable, Sendable, Equatable {
        public var tokens: [String]
        /// Null for the first token of an echoed prompt, which nothing predicts.
        public var tokenLogprobs: [Double?]
        /// Each position's alternatives as token → logprob (null where `tokenLogprobs` is).
        public var topLogprobs: [[String: Double]?]
        /// Where each token starts in the choice's text, in UTF-8 bytes (across a stream, from the start of the whole text).
        public var textOffset: [Int]

        public init(tokens: [String], tokenLogprobs: [Double?], topLogprobs: [[String: Double]?], textOffset: [Int]) {
            self.tokens = tokens
            self.tokenLogprobs = tokenLogprobs.map { $0.map(finiteLogprob) }
            self.topLogprobs = topLogprobs.map { $0?.mapValues(finiteLogprob) }
            self.textOffset = textOffset
        }

        enum CodingKeys: String, CodingKey {
            case tokens
            case tokenLogprobs = "token_logprobs"
            case topLogprobs = "top_logprobs"
            case textOffset = "text_offset"
        }
    }

    /// "cmpl-…"; see `ObjectID.completion()`.
    public var id: String
    public var object = "text_completion"
    /// Unix seconds.
    public var created: Int
    public var model: String
    public var choices: [Choice]
    @Nullable public var usage: CompletionUsage?
    @Nullable public var systemFingerprint: String?

    public init(id: String, created: Int, model: String, choices: [Choice], usage: CompletionUsage?,
                systemFingerprint: String? = nil) {
        self.id = id
        self.created = created
        self.model = model
        self.choices = choices
        self.usage = usage
        self.systemFingerprint = systemFingerprint
    }

    enum CodingKeys: String, CodingKey {
        case id, object, created, model, choices, usage
        case systemFingerprint = "system_fingerprint"
    }
}

/// A streaming event of `/v1/completions` is a `Completion` (object "text_completion").
public typealias CompletionChunk = Completion
