import Foundation
import Jinja

/// One message of a chat conversation.
public struct ChatMessage: Sendable, Equatable, Codable {
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// Why a chat template could not be parsed or rendered: the Jinja error, under the name callers
/// of `ChatTemplate` know it by.
public typealias ChatTemplateError = JinjaError

/// A model's chat template (the Jinja `chat_template` from tokenizer_config.json or the GGUF's
/// `tokenizer.chat_template`), parsed once and rendered per request the way transformers'
/// `apply_chat_template` does (see `JinjaTemplate`), with the context transformers builds.
public struct ChatTemplate: Sendable {
    private let template: JinjaTemplate
    public var source: String { template.source }

    /// Parses the template. Throws `ChatTemplateError` (with line and column) if it is not valid Jinja
    /// or uses a filter, test or tag this renderer does not support.
    public init(source: String) throws {
        template = try JinjaTemplate(source: source)
    }

    /// Renders a conversation. The context matches what transformers passes: `messages` (dicts with
    /// `role` and `content`), `add_generation_prompt`, `bos_token`, `eos_token`, `tools` and `documents`
    /// (both none), then `extraContext` on top (for example `tools`, `date_string`, or a `messages` list
    /// with tool calls, which replaces the plain one).
    public func render(
        messages: [ChatMessage], addGenerationPrompt: Bool = true, bosToken: String = "", eosToken: String = "",
        extraContext: [String: JinjaValue] = [:]
    ) throws -> String {
        var context: [String: JinjaValue] = [
            "messages": .array(messages.map { .dict(JinjaDict([("role", .string($0.role)), ("content", .string($0.content))])) }),
            "tools": .none,
            "documents": .none,
            "add_generation_prompt": .bool(addGenerationPrompt),
            "bos_token": .string(bosToken),
            "eos_token": .string(eosToken),
        ]
        context.merge(extraContext) { _, new in new }
        return try render(context: context)
    }

    /// Renders with a complete context of your own. `now` is what `strftime_now` reports.
    public func render(context: [String: JinjaValue], now: Date = Date()) throws -> String {
        try template.render(context: context, now: now)
    }
}
