/// A sampled token's log-probability from the raw logits (before penalties and temperature),
/// with the most likely alternatives at its position. Comes back from the executor in
/// `StepResult.logprobs`.
public struct TokenLogprob: Sendable {
    public var token: Int32
    public var logprob: Float
    /// The most likely tokens with their log-probabilities, best first.
    public var top: [(token: Int32, logprob: Float)]

    public init(token: Int32, logprob: Float, top: [(token: Int32, logprob: Float)]) {
        self.token = token
        self.logprob = logprob
        self.top = top
    }
}

/// A prompt token's log-probability given the tokens before it, from the raw logits (before
/// penalties and temperature), with the most likely alternatives at its position.
public struct PromptTokenLogprob: Sendable {
    public var token: Int32
    /// Nil for the first prompt token, which nothing before it predicts.
    public var logprob: Float?
    /// The most likely tokens at this position, best first; empty for the first prompt token.
    public var top: [(token: Int32, logprob: Float)]

    public init(token: Int32, logprob: Float?, top: [(token: Int32, logprob: Float)]) {
        self.token = token
        self.logprob = logprob
        self.top = top
    }
}

/// Prompt log-probabilities one step computed for one request: entries for prompt tokens
/// `firstIndex...`, in order. A recomputed chunk may repeat entries sent before; the receiver
/// keeps the first of each.
public struct PromptLogprobs: Sendable {
    public var firstIndex: Int
    public var entries: [PromptTokenLogprob]

    public init(firstIndex: Int, entries: [PromptTokenLogprob]) {
        self.firstIndex = firstIndex
        self.entries = entries
    }
}
