import Engine
import Foundation
import OpenAIAPI

/// `/v1/completions` answers: a `text_completion`, whole or in chunks. With `echo` the text
/// starts with the prompt (in the first chunk when streaming), and with `logprobs` too the
/// log-probabilities start with the prompt's (`CompletionLogprobsBuilder`).
struct TextCompletionFormat: CompletionFormat {
    let id = ObjectID.completion()
    let created = Int(Date().timeIntervalSince1970)
    let model: String
    /// The prompt's text with `echo`; empty without.
    let echo: String
    let wantsLogprobs: Bool
    var logprobs: CompletionLogprobsBuilder
    private var echoSent = false

    init(model: String, echo: String, wantsLogprobs: Bool, logprobs: CompletionLogprobsBuilder) {
        self.model = model
        self.echo = echo
        self.wantsLogprobs = wantsLogprobs
        self.logprobs = logprobs
    }

    func body(_ events: [TokenEvent]) -> Completion {
        var logprobs = logprobs
        for event in events { logprobs.add(event) }
        return Completion(
            id: id, created: created, model: model,
            choices: [.init(text: echo + events.map(\.text).joined(), logprobs: wantsLogprobs ? logprobs.take() : nil,
                            finishReason: events.last?.finishReason.map(CompletionFinishReason.init))],
            usage: events.last?.usage.map(CompletionUsage.init))
    }

    func body(choices: [[TokenEvent]]) -> Completion {
        var merged = body(choices.first ?? [])
        merged.choices = choices.enumerated().map { index, events in
            var choice = body(events).choices[0]
            choice.index = index
            return choice
        }
        merged.usage = CompletionUsage(choices: choices)
        return merged
    }

    func openingChunks() -> [Completion] { [] }

    mutating func chunks(_ event: TokenEvent) -> [Completion] { [chunk(event)] }

    private mutating func chunk(_ event: TokenEvent) -> Completion {
        let text = (echoSent ? "" : echo) + event.text
        echoSent = true
        logprobs.add(event)
        let chunkLogprobs = wantsLogprobs && !logprobs.isEmpty ? logprobs.take() : nil
        return Completion(id: id, created: created, model: model,
                          choices: [.init(text: text, logprobs: chunkLogprobs, finishReason: event.finishReason.map(CompletionFinishReason.init))],
                          usage: nil)
    }

    func usageChunk(_ usage: CompletionUsage) -> Completion {
        Completion(id: id, created: created, model: model, choices: [], usage: usage)
    }
}
