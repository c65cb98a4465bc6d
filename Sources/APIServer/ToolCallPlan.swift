import Foundation
import Grammar
import OpenAIAPI

/// How a chat request with tools runs, in one of three syntaxes (`ToolCallSyntax`):
///
/// - `generic`: the tools are described to the model in a system message, and its answer is
///   constrained to one JSON object, `{"tool_calls": [{"name": …, "arguments": {…}}, …]}`
///   (each call's arguments constrained to that function's parameter schema), or with
///   `tool_choice: "auto"` alternatively `{"content": "…"}` for a plain answer. This is the
///   format llama.cpp uses for templates without native tool support, such as SmolLM2's: it
///   works with every chat template, and the grammar makes every call well-formed.
/// - `hermes`: the chat template renders the tools itself, and the model answers in its own
///   `<tool_call>` blocks. With `required` or a named function the answer is constrained to
///   such blocks (one, when named or `parallel_tool_calls` is false), each holding compact JSON
///   with the name and the arguments per the parameter schema; with `auto` it is not
///   constrained, and the blocks that parse become calls (as vLLM's `hermes` parser does), or
///   the whole answer when it is one untagged call of a declared tool.
/// - `llama3JSON`: the chat template renders the tools itself, and the model answers with a bare
///   `{"name": …, "parameters": {…}}`. With `required` or a named function the answer is
///   constrained to exactly one such call in compact JSON (Llama 3.1's template writes back one
///   call per assistant message, whatever `parallel_tool_calls` says); with `auto` it is free,
///   and it is calls only if all of it is (several separated by `;`, as vLLM's `llama3_json`
///   parser reads them).
///
/// `ToolCallScanner` turns the answer into the response's `tool_calls` and `content`.
struct ToolCallPlan: Sendable {
    let tools: [ChatTool]
    let choice: ToolChoice
    let parallel: Bool
    let syntax: ToolCallSyntax

    init?(_ request: ChatCompletionRequest, syntax: ToolCallSyntax = .generic) {
        guard let choice = request.activeToolChoice, let tools = request.tools else { return nil }
        self.tools = tools
        self.choice = choice
        self.syntax = syntax
        parallel = request.parallelToolCalls ?? true
    }

    /// The tools that may be called under the choice.
    private var callable: [ChatTool] {
        if case .function(let name) = choice { return tools.filter { $0.name == name } }
        return tools
    }

    /// One call at most: a named function, or `parallel_tool_calls: false`.
    private var single: Bool {
        if case .function = choice { return true }
        return !parallel
    }

    /// The schema of one call: `{"name": <a callable tool>, <argumentsKey>: <its parameters>}`
    /// (the key is "arguments" but for Llama 3.x, whose calls say "parameters").
    private func callSchemaText(argumentsKey: String = "arguments") -> String {
        let key = JSONValue.quoted(argumentsKey)
        let calls = callable.map { tool in
            #"{"type":"object","additionalProperties":false,"required":["name","# + key + #"],"properties":{"name":{"const":"#
                + JSONValue.quoted(tool.name) + "}," + key + ":" + (tool.parameters ?? Self.anyObject).compactText + "}}"
        }
        return #"{"anyOf":["# + calls.joined(separator: ",") + "]}"
    }

    /// The generic format's schema of the model's whole answer.
    var answerSchema: JSONValue {
        let toolCalls = #"{"type":"object","additionalProperties":false,"required":["tool_calls"],"properties":{"tool_calls":"#
            + #"{"type":"array","minItems":1,"maxItems":"# + (single ? "1" : String(Self.maxParallelCalls)) + #","items":"#
            + callSchemaText() + "}}}"
        let text = choice != .auto ? toolCalls : #"{"anyOf":["# + toolCalls
            + #",{"type":"object","additionalProperties":false,"required":["content"],"properties":{"content":{"type":"string"}}}]}"#
        // Built from compact JSON texts, so it always parses.
        return (try? JSONValue(parsing: text)) ?? .null
    }

    /// What the answer's grammar is compiled from: a schema and, for `hermes`, the frame of
    /// the calls it holds; nil when the answer is free (`hermes` and `llama3JSON` with `auto`).
    var constraint: (schema: JSONValue, frame: TextFrame?)? {
        switch syntax {
        case .generic:
            return (answerSchema, nil)
        case .hermes:
            guard choice != .auto else { return nil }
            return ((try? JSONValue(parsing: callSchemaText())) ?? .null,
                    ToolCallSyntax.hermesFrame(count: 1...(single ? 1 : Self.maxParallelCalls)))
        case .llama3JSON:
            // One bare call, nothing around it: the answer is the call's JSON.
            guard choice != .auto else { return nil }
            return ((try? JSONValue(parsing: callSchemaText(argumentsKey: "parameters"))) ?? .null, nil)
        }
    }

    /// Calls in one answer at most when several are allowed: small models tend to repeat a call
    /// until the output limit, and a bound makes the answer close.
    static let maxParallelCalls = 4

    private static let anyObject: JSONValue = .object(JSONObject(["type": .string("object")]))

    /// Generic: the system message that tells the model what it may call and how to answer.
    var systemPrompt: String {
        var lines = ["You can call these tools (each given as its name, description and JSON Schema of arguments):"]
        for tool in callable {
            let parameters = tool.parameters ?? Self.anyObject
            let entry: JSONObject = tool.description.map {
                ["name": .string(tool.name), "description": .string($0), "parameters": parameters]
            } ?? ["name": .string(tool.name), "parameters": parameters]
            lines.append(JSONValue.object(entry).compactText)
        }
        lines.append(#"To call tools, answer with only a JSON object: {"tool_calls":[{"name":"<tool name>","arguments":{<arguments>}}]}"#)
        if choice == .auto {
            lines.append(#"To answer without a tool, answer with only {"content":"<your answer>"}"#)
        }
        return lines.joined(separator: "\n")
    }

    /// The response message for the model's whole answer (see `ToolCallScanner`). Generic text
    /// that is not a complete answer (cut by the output limit) comes back as content, as it is.
    func message(from text: String) -> (content: String?, toolCalls: [ToolCall]?) {
        var scanner = self.scanner()
        _ = scanner.scan(text)
        _ = scanner.finish()
        let answer = scanner.answer
        return (answer.content, answer.calls?.map { ToolCall(id: Self.newCallID(), function: .init(name: $0.name, arguments: $0.arguments)) })
    }

    /// A reader of one answer in this syntax; a bare call must name one of the request's tools.
    func scanner() -> ToolCallScanner { ToolCallScanner(syntax: syntax, toolNames: Set(tools.map(\.name))) }

    static func newCallID() -> String { ObjectID.make(prefix: "call_") }

    /// Generic: how an assistant message that made tool calls reads in the prompt: the answer it gave.
    static func answerText(for calls: [ToolCall]) -> String {
        let entries: [JSONValue] = calls.map { call in
            let arguments = (try? JSONValue(parsing: call.function.arguments)) ?? .string(call.function.arguments)
            return .object(["name": .string(call.function.name), "arguments": arguments])
        }
        return JSONValue.object(["tool_calls": .array(entries)]).compactText
    }
}
