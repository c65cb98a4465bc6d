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
    /// With tools, the answer is a JSON object turned into `tool_calls` or `content`; a stream
    /// then holds the text back and sends the message whole when it ends.
    let tools: ToolCallPlan?
    private var heldBack = ""

    init(model: String, tier: ServiceTier, logprobsTokenizer: Tokenizer?, tools: ToolCallPlan? = nil) {
        self.model = model
        self.tier = tier
        self.logprobsTokenizer = logprobsTokenizer
        self.tools = tools
    }

    func body(_ events: [TokenEvent]) -> ChatCompletion {
        let logprobs = logprobsTokenizer.map { tokenizer in
            ChatCompletionLogprobs(content: events.compactMap { $0.logprob.map { LogprobText.chat($0, tokenizer) } })
        }
        let text = events.map(\.text).joined()
        var finish = events.last?.finishReason.map(CompletionFinishReason.init)
        var message = ChatCompletion.Message(content: text)
        if let tools {
            let (content, calls) = tools.message(from: text)
            message = ChatCompletion.Message(content: content, toolCalls: calls)
            if calls != nil { finish = .toolCalls }
        }
        return ChatCompletion(
            id: id, created: created, model: model,
            choices: [.init(message: message, logprobs: logprobs, finishReason: finish)],
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

    mutating func chunks(_ event: TokenEvent) -> [ChatCompletionChunk] {
        guard let tools else { return [chunk(event)] }
        heldBack += event.text
        guard let reason = event.finishReason else { return [] }
        let (content, calls) = tools.message(from: heldBack)
        let delta = ChatCompletionChunk.Delta(content: content,
                                              toolCalls: calls.map { $0.enumerated().map { .init(index: $0.offset, call: $0.element) } })
        return [
            ChatCompletionChunk(id: id, created: created, model: model, choices: [.init(delta: delta)], serviceTier: tier),
            ChatCompletionChunk(id: id, created: created, model: model,
                                choices: [.init(delta: .init(), finishReason: calls != nil ? .toolCalls : CompletionFinishReason(reason))],
                                serviceTier: tier),
        ]
    }

    private func chunk(_ event: TokenEvent) -> ChatCompletionChunk {
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
