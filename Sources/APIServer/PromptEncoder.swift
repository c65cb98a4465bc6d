import Engine
import LlamaModel
import OpenAIAPI
import Tokenization

/// Turns the prompts of OpenAI requests into token ids: chat messages through the model's own
/// chat template, completion prompts as text or ids.
public struct PromptEncoder: Sendable {
    public let tokenizer: Tokenizer
    let template: ChatTemplate?
    let bosText: String
    let eosText: String

    public init(model: LoadedModel, tokenizer: Tokenizer) throws {
        self.tokenizer = tokenizer
        template = try model.file.string("tokenizer.chat_template").map { try ChatTemplate(source: $0) }
        bosText = tokenizer.bosID.map { tokenizer.tokenText($0) } ?? ""
        eosText = tokenizer.eosID.map { tokenizer.tokenText($0) } ?? ""
    }

    public var hasChatTemplate: Bool { template != nil }

    /// The prompt of a chat request; with tools, their system message first (merged into the
    /// conversation's own system message, if it has one) and earlier tool calls as the answers
    /// the model gave (see `ToolCallPlan`).
    func chatPrompt(_ messages: [ChatCompletionRequest.Message], tools: ToolCallPlan?) throws(APIError) -> [Int32] {
        var messages = messages.map { message in
            guard let calls = message.toolCalls else { return message }
            var answered = message
            answered.content = .text(ToolCallPlan.answerText(for: calls))
            return answered
        }
        if let tools {
            if let first = messages.first, first.role == .system || first.role == .developer {
                messages[0].content = .text(first.content.text + "\n\n" + tools.systemPrompt)
            } else {
                messages.insert(.init(role: .system, tools.systemPrompt), at: 0)
            }
        }
        return try chatPrompt(messages)
    }

    public func chatPrompt(_ messages: [ChatCompletionRequest.Message]) throws(APIError) -> [Int32] {
        guard let template else {
            throw APIError.invalidRequest("this model has no chat template; use /v1/completions", param: "messages")
        }
        let rendered: String
        do {
            rendered = try template.render(messages: messages.map { ChatMessage(role: $0.role.rawValue, content: $0.content.text) },
                                           addGenerationPrompt: true, bosToken: bosText, eosToken: eosText)
        } catch {
            throw APIError.invalidRequest("the chat template could not render these messages: \(error)", param: "messages")
        }
        return tokenizer.encode(rendered, addSpecial: true, parseSpecial: true)
    }

    public func completionPrompt(_ prompt: CompletionRequest.Prompt) throws(APIError) -> [Int32] {
        switch prompt {
        case .text(let text):
            let ids = tokenizer.encode(text, addSpecial: true, parseSpecial: false)
            guard !ids.isEmpty else { throw APIError.invalidRequest("the prompt is empty", param: "prompt") }
            return ids
        case .tokens(let ids):
            guard !ids.isEmpty else { throw APIError.invalidRequest("the prompt is empty", param: "prompt") }
            if let bad = ids.first(where: { Int($0) >= tokenizer.vocabularySize }) {
                throw APIError.invalidRequest("token id \(bad) is outside the vocabulary of \(tokenizer.vocabularySize)", param: "prompt")
            }
            return ids
        }
    }
}
