import Grammar

/// How tool calls are written, in the prompt and in the model's answer.
enum ToolCallSyntax: Sendable, Equatable {
    /// This server's own format, for chat templates that know nothing of tools (SmolLM2's):
    /// the tools are described in a system message, and the answer is one JSON object,
    /// `{"tool_calls":[{"name":…,"arguments":{…}}]}` or `{"content":"…"}` (see `ToolCallPlan`).
    case generic
    /// The template's own, in the Hermes format that Qwen 2.5 was trained on: the template
    /// renders `tools` (Qwen's puts them in the system prompt between `<tools></tools>`), the
    /// assistant's earlier `tool_calls` and the `tool` results; the model answers with
    /// `<tool_call>\n{"name": …, "arguments": {…}}\n</tool_call>` blocks, text around them
    /// being its content (as vLLM's `hermes` parser reads it).
    case hermes

    /// The syntax a chat template speaks, read off its source. Deliberately simple: a template
    /// that reads `tools` and writes the `<tool_call>` tag speaks Hermes (Qwen 2.5, Hermes 2/3
    /// and their fine-tunes do); any other, including Llama 3.1's and Mistral's, which have
    /// other call formats this server does not parse, gets the generic format.
    init(templateSource: String?) {
        guard let source = templateSource, source.contains("tools"), source.contains("<tool_call>") else {
            self = .generic
            return
        }
        self = .hermes
    }

    /// The frame of each call in a constrained Hermes answer (`hermes` only), `count` calls
    /// in a row: one per block, blocks on their own lines as Qwen's template writes them back.
    static func hermesFrame(count: ClosedRange<Int>) -> TextFrame {
        TextFrame(prefix: "<tool_call>\n", suffix: "\n</tool_call>", separator: "\n", count: count)
    }
}
