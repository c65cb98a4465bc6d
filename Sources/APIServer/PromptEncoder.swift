import Engine
import Jinja
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
    /// How the chat template writes tool calls, read off its source.
    let toolSyntax: ToolCallSyntax

    public init(model: LoadedModel, tokenizer: Tokenizer) throws {
        self.init(tokenizer: tokenizer, template: try model.file.string("tokenizer.chat_template").map { try ChatTemplate(source: $0) })
    }

    /// With a chat template that need not be the model's (tests render templates of their own).
    init(tokenizer: Tokenizer, template: ChatTemplate?) {
        self.tokenizer = tokenizer
        self.template = template
        bosText = tokenizer.bosID.map { tokenizer.tokenText($0) } ?? ""
        eosText = tokenizer.eosID.map { tokenizer.tokenText($0) } ?? ""
        toolSyntax = ToolCallSyntax(templateSource: template?.source)
    }

    public var hasChatTemplate: Bool { template != nil }

    /// The prompt of a chat request with its tools (see `ToolCallPlan`).
    func chatPrompt(_ messages: [ChatCompletionRequest.Message], tools: ToolCallPlan?) throws(APIError) -> [Int32] {
        encode(try renderedChat(messages, tools: tools))
    }

    /// The text of a chat request's prompt. With a template that speaks tools (`hermes`,
    /// `llama3JSON`), the tools (none with `tool_choice: "none"`), the assistant's earlier calls
    /// and the `tool` results go to the template as transformers passes them
    /// (`PromptEncoder+Tools.swift`): the template writes them in its own format (Llama 3.1's
    /// maps `tool` to `ipython` itself). Otherwise (`generic`) the tools' system message comes
    /// first (merged into the conversation's own system message, if it has one) and earlier
    /// calls read as the answers the model gave.
    func renderedChat(_ messages: [ChatCompletionRequest.Message], tools: ToolCallPlan?) throws(APIError) -> String {
        if toolSyntax.templateRendersTools {
            return try render(plain(messages), extraContext: [
                "messages": Self.templateMessages(messages),
                "tools": tools.map { Self.templateTools($0.tools) } ?? JinjaValue.none,
            ])
        }
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
        return try render(plain(messages))
    }

    public func chatPrompt(_ messages: [ChatCompletionRequest.Message]) throws(APIError) -> [Int32] {
        encode(try render(plain(messages)))
    }

    private func plain(_ messages: [ChatCompletionRequest.Message]) -> [ChatMessage] {
        messages.map { ChatMessage(role: $0.role.rawValue, content: $0.content.text) }
    }

    private func render(_ messages: [ChatMessage], extraContext: [String: JinjaValue] = [:]) throws(APIError) -> String {
        guard let template else {
            throw APIError.invalidRequest("this model has no chat template; use /v1/completions", param: "messages")
        }
        do {
            return try template.render(messages: messages, addGenerationPrompt: true, bosToken: bosText, eosToken: eosText,
                                       extraContext: extraContext)
        } catch {
            throw APIError.invalidRequest("the chat template could not render these messages: \(error)", param: "messages")
        }
    }

    private func encode(_ rendered: String) -> [Int32] {
        tokenizer.encode(rendered, addSpecial: true, parseSpecial: true)
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
