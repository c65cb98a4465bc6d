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
    /// being its content (as vLLM's `hermes` parser reads it). An answer that is nothing but one
    /// untagged call of a declared tool is a call too (small Qwen models write that with `auto`).
    case hermes
    /// The template's own, in Llama 3.1's (3.2's, 3.3's) JSON format: the template renders the
    /// same `tools`, calls and results (Meta's writes the tools into the first user message,
    /// earlier calls as `{"name": …, "parameters": …}` and results under the `ipython` role);
    /// the model answers with nothing but a call, `{"name": …, "parameters": {…}}`, or several
    /// separated by `;`, after an optional `<|python_tag|>` (as vLLM's `llama3_json` parser
    /// reads it, but each call must name a declared tool). Any other answer is content.
    case llama3JSON

    /// The syntax a chat template speaks, read off its source. Deliberately simple: a template
    /// that reads `tools` and writes the `<tool_call>` tag speaks Hermes (Qwen 2.5, Hermes 2/3
    /// and their fine-tunes do); one that reads `tools` and knows the `<|python_tag|>` token and
    /// the `ipython` role is a Llama 3.x template (Meta's 3.1, 3.2 and 3.3 are). Hermes is tried
    /// first, so a template that mentions both stays Hermes. Any other, Mistral's say, whose
    /// call format this server does not parse, gets the generic format.
    init(templateSource: String?) {
        guard let source = templateSource, source.contains("tools") else {
            self = .generic
            return
        }
        if source.contains("<tool_call>") {
            self = .hermes
        } else if source.contains("<|python_tag|>"), source.contains("ipython") {
            self = .llama3JSON
        } else {
            self = .generic
        }
    }

    /// Whether the chat template renders the tools, the calls and their results itself (it is
    /// given them as transformers passes them), rather than this server describing them.
    var templateRendersTools: Bool { self != .generic }

    /// The frame of each call in a constrained Hermes answer (`hermes` only), `count` calls
    /// in a row: one per block, blocks on their own lines as Qwen's template writes them back.
    static func hermesFrame(count: ClosedRange<Int>) -> TextFrame {
        TextFrame(prefix: "<tool_call>\n", suffix: "\n</tool_call>", separator: "\n", count: count)
    }
}
