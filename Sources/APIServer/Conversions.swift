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
}

/// Log-probabilities in the two shapes OpenAI uses, with tokens as text.
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

    static func completion(_ logprobs: [TokenLogprob], _ tokenizer: Tokenizer) -> Completion.Logprobs {
        var tokens: [String] = [], values: [Double?] = [], tops: [[String: Double]?] = [], offsets: [Int] = []
        var offset = 0
        for logprob in logprobs {
            let (token, _) = text(logprob.token, tokenizer)
            tokens.append(token)
            values.append(Double(logprob.logprob))
            var top: [String: Double] = [:]
            for entry in logprob.top { top[text(entry.token, tokenizer).0] = Double(entry.logprob) }
            tops.append(top)
            offsets.append(offset)
            offset += token.utf8.count
        }
        return Completion.Logprobs(tokens: tokens, tokenLogprobs: values, topLogprobs: tops, textOffset: offsets)
    }
}
