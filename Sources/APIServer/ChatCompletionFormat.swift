import Engine
import Foundation
import OpenAIAPI
import Tokenization

/// `/v1/chat/completions` answers: a `chat.completion`, or `chat.completion.chunk`s that open
/// with the assistant's role.
struct ChatCompletionFormat: CompletionFormat {
    let id = ObjectID.chatCompletion()
    let created = Int(Date().timeIntervalSince1970)
    let model: String
    let tier: ServiceTier
    /// Spells the log-probabilities; nil when the request asked for none.
    let logprobsTokenizer: Tokenizer?

    func body(_ events: [TokenEvent]) -> ChatCompletion {
        let logprobs = logprobsTokenizer.map { tokenizer in
            ChatCompletionLogprobs(content: events.compactMap { $0.logprob.map { LogprobText.chat($0, tokenizer) } })
        }
        return ChatCompletion(
            id: id, created: created, model: model,
            choices: [.init(message: .init(content: events.map(\.text).joined()), logprobs: logprobs,
                            finishReason: events.last?.finishReason.map(CompletionFinishReason.init))],
            usage: events.last?.usage.map(CompletionUsage.init), serviceTier: tier)
    }

    func body(choices: [[TokenEvent]]) -> ChatCompletion {
        var merged = body(choices.first ?? [])
        merged.choices = choices.enumerated().map { index, events in
            var choice = body(events).choices[0]
            choice.index = index
            return choice
        }
        merged.usage = CompletionUsage(choices: choices)
        return merged
    }

    func openingChunks() -> [ChatCompletionChunk] {
        [ChatCompletionChunk(id: id, created: created, model: model, choices: [.init(delta: .init(role: .assistant, content: ""))],
                             serviceTier: tier)]
    }

    func chunk(_ event: TokenEvent) -> ChatCompletionChunk {
        let logprobs = logprobsTokenizer.map { tokenizer in
            ChatCompletionLogprobs(content: event.logprob.map { [LogprobText.chat($0, tokenizer)] } ?? [])
        }
        let choice = ChatCompletionChunk.Choice(delta: .init(content: event.text), logprobs: logprobs,
                                                finishReason: event.finishReason.map(CompletionFinishReason.init))
        return ChatCompletionChunk(id: id, created: created, model: model, choices: [choice], serviceTier: tier)
    }

    func usageChunk(_ usage: CompletionUsage) -> ChatCompletionChunk {
        ChatCompletionChunk.usageChunk(id: id, created: created, model: model, usage: usage)
    }
}
