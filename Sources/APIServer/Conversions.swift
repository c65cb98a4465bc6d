import Engine
import OpenAIAPI
import Scheduling
import Tokenization

/// Errors the stream can end with that have an OpenAI error object.
protocol APIErrorConvertible: Error { var apiError: APIError { get } }

extension EngineError: APIErrorConvertible {
    var apiError: APIError { GenerationService.apiError(self) }
}

extension APIError: APIErrorConvertible {
    var apiError: APIError { self }
}

extension CompletionFinishReason {
    init(_ reason: FinishReason) {
        switch reason {
        case .stop: self = .stop
        case .length: self = .length
        }
    }
}

extension CompletionUsage {
    init(_ usage: Usage) {
        self.init(promptTokens: usage.promptTokens, completionTokens: usage.completionTokens, cachedTokens: usage.cachedTokens)
    }

    /// The usage of a request with several choices: the prompt counted once (as OpenAI counts
    /// it), every choice's output tokens, and the prompt tokens the cache served any of them.
    init?(choices: [[TokenEvent]]) {
        self.init(usages: choices.compactMap { $0.last?.usage })
    }

    /// The same from each choice's usage (a stream of several choices keeps only those).
    init?(usages: [Usage]) {
        guard let first = usages.first else { return nil }
        self.init(promptTokens: first.promptTokens, completionTokens: usages.reduce(0) { $0 + $1.completionTokens },
                  cachedTokens: usages.map(\.cachedTokens).max() ?? 0)
    }
}

/// Log-probabilities as text: chat's shape here; the completions shape is `CompletionLogprobsBuilder`.
enum LogprobText {
    static func text(_ id: Int32, _ tokenizer: Tokenizer) -> (String, [UInt8]) {
        let bytes = tokenizer.pieceBytes(id)
        return (String(decoding: bytes, as: UTF8.self), bytes)
    }

    static func chat(_ logprob: TokenLogprob, _ tokenizer: Tokenizer) -> ChatCompletionTokenLogprob {
        let (token, bytes) = text(logprob.token, tokenizer)
        return ChatCompletionTokenLogprob(
            token: token, logprob: Double(logprob.logprob), bytes: bytes,
            topLogprobs: logprob.top.map { top in
                let (t, b) = text(top.token, tokenizer)
                return .init(token: t, logprob: Double(top.logprob), bytes: b)
            })
    }
}
