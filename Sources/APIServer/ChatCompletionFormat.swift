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
    /// With tools, the answer is read into `tool_calls` and `content` (`ToolCallScanner`); a
    /// stream sends each call's name, then its arguments fragment by fragment, and content as
    /// it comes. (Its chunks carry no log-probabilities: a token's text may be held back or
    /// split between content and a call.)
    let tools: ToolCallPlan?
    private var scanner: ToolCallScanner?
    /// The ids of the calls streamed so far, by index.
    private var callIDs: [String] = []

    init(model: String, tier: ServiceTier, logprobsTokenizer: Tokenizer?, tools: ToolCallPlan? = nil) {
        self.model = model
        self.tier = tier
        self.logprobsTokenizer = logprobsTokenizer
        self.tools = tools
        scanner = tools?.scanner()
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

    /// With tools the opening delta has no content: an answer that only calls tools then adds
    /// up to `content: null` in a client, as the plain response has it.
    func openingChunks() -> [ChatCompletionChunk] {
        [ChatCompletionChunk(id: id, created: created, model: model,
                             choices: [.init(delta: .init(role: .assistant, content: tools == nil ? "" : nil))], serviceTier: tier)]
    }

    mutating func chunks(_ event: TokenEvent) -> [ChatCompletionChunk] {
        guard var scanner else { return [chunk(event)] }
        var found = scanner.scan(event.text)
        if event.finishReason != nil { found += scanner.finish() }
        self.scanner = scanner
        var chunks = found.map { toolChunk($0) }
        if let reason = event.finishReason {
            let finish = scanner.madeCalls ? CompletionFinishReason.toolCalls : CompletionFinishReason(reason)
            chunks.append(ChatCompletionChunk(id: id, created: created, model: model,
                                              choices: [.init(delta: .init(), finishReason: finish)], serviceTier: tier))
        }
        return chunks
    }

    private mutating func toolChunk(_ event: ToolCallScanner.Event) -> ChatCompletionChunk {
        let delta: ChatCompletionChunk.Delta
        switch event {
        case .content(let text):
            delta = .init(content: text)
        case .callStarted(let index, let name):
            callIDs.append(ToolCallPlan.newCallID())
            delta = .init(toolCalls: [.start(index: index, id: callIDs[index], name: name)])
        case .arguments(let index, let fragment):
            delta = .init(toolCalls: [.arguments(index: index, fragment)])
        }
        return ChatCompletionChunk(id: id, created: created, model: model, choices: [.init(delta: delta)], serviceTier: tier)
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
