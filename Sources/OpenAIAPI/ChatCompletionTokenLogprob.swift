/// The `logprobs` of a chat choice: one entry per output token.
public struct ChatCompletionLogprobs: Codable, Sendable, Equatable {
    @Nullable public var content: [ChatCompletionTokenLogprob]?
    /// Never set by this server (it produces no refusals); sent as null, as OpenAI does.
    @Nullable public var refusal: [ChatCompletionTokenLogprob]?

    public init(content: [ChatCompletionTokenLogprob]?) {
        self.content = content
    }
}

/// One output token with its log-probability and the most likely alternatives at its position.
public struct ChatCompletionTokenLogprob: Codable, Sendable, Equatable {
    /// One alternative at a position.
    public struct TopLogprob: Codable, Sendable, Equatable {
        public var token: String
        public var logprob: Double
        /// The token's UTF-8 bytes: a token can be part of a character, which `token` cannot show.
        @Nullable public var bytes: [UInt8]?

        public init(token: String, logprob: Double, bytes: [UInt8]? = nil) {
            self.token = token
            self.logprob = finiteLogprob(logprob)
            self.bytes = bytes ?? Array(token.utf8)
        }
    }

    public var token: String
    public var logprob: Double
    @Nullable public var bytes: [UInt8]?
    /// Best first; as many as the request's `top_logprobs` (empty for 0).
    public var topLogprobs: [TopLogprob]

    /// `bytes` defaults to the UTF-8 of `token`; pass the token's raw bytes when it splits a
    /// character. An infinite `logprob` is sent as -9999.
    public init(token: String, logprob: Double, bytes: [UInt8]? = nil, topLogprobs: [TopLogprob] = []) {
        self.token = token
        self.logprob = finiteLogprob(logprob)
        self.bytes = bytes ?? Array(token.utf8)
        self.topLogprobs = topLogprobs
    }

    enum CodingKeys: String, CodingKey {
        case token, logprob, bytes
        case topLogprobs = "top_logprobs"
    }
}
