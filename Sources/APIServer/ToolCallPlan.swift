import Foundation
import OpenAIAPI

/// How a chat request with tools runs: the tools are described to the model in a system
/// message, and its answer is constrained to one JSON object, `{"tool_calls": [{"name": …,
/// "arguments": {…}}, …]}` (each call's arguments constrained to that function's parameter
/// schema), or with `tool_choice: "auto"` alternatively `{"content": "…"}` for a plain answer.
/// The answer is then turned into the response's `tool_calls` or `content`.
///
/// This is the generic tool-call format (as llama.cpp uses for templates without native tool
/// support, such as SmolLM2's): it works with every chat template, and the grammar makes every
/// call well-formed, whichever model runs.
struct ToolCallPlan: Sendable {
    let tools: [ChatTool]
    let choice: ToolChoice
    let parallel: Bool

    init?(_ request: ChatCompletionRequest) {
        guard let choice = request.activeToolChoice, let tools = request.tools else { return nil }
        self.tools = tools
        self.choice = choice
        parallel = request.parallelToolCalls ?? true
    }

    /// The tools that may be called under the choice.
    private var callable: [ChatTool] {
        if case .function(let name) = choice { return tools.filter { $0.name == name } }
        return tools
    }

    /// The schema of the model's whole answer.
    var answerSchema: JSONValue {
        let calls = callable.map { tool in
            #"{"type":"object","additionalProperties":false,"required":["name","arguments"],"properties":{"name":{"const":"#
                + JSONValue.quoted(tool.name) + #"},"arguments":"# + (tool.parameters ?? Self.anyObject).compactText + "}}"
        }
        let single: Bool
        if case .function = choice { single = true } else { single = !parallel }
        let toolCalls = #"{"type":"object","additionalProperties":false,"required":["tool_calls"],"properties":{"tool_calls":"#
            + #"{"type":"array","minItems":1,"maxItems":"# + (single ? "1" : String(Self.maxParallelCalls)) + #","items":{"anyOf":["#
            + calls.joined(separator: ",") + "]}}}}"
        let text = choice != .auto ? toolCalls : #"{"anyOf":["# + toolCalls
            + #",{"type":"object","additionalProperties":false,"required":["content"],"properties":{"content":{"type":"string"}}}]}"#
        // Built from compact JSON texts, so it always parses.
        return (try? JSONValue(parsing: text)) ?? .null
    }

    /// Calls in one answer at most when several are allowed: small models tend to repeat a call
    /// until the output limit, and a bound makes the answer close.
    static let maxParallelCalls = 4

    private static let anyObject: JSONValue = .object(JSONObject(["type": .string("object")]))

    /// The system message that tells the model what it may call and how to answer.
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

    /// The response message for the model's answer. Text that is not a complete answer (cut
    /// by the output limit) comes back as content, as it is.
    func message(from text: String) -> (content: String?, toolCalls: [ToolCall]?) {
        guard case .object(let answer)? = try? JSONValue(parsing: text) else { return (text, nil) }
        if case .string(let content)? = answer["content"] { return (content, nil) }
        guard case .array(let calls)? = answer["tool_calls"] else { return (text, nil) }
        let toolCalls = calls.compactMap { call -> ToolCall? in
            guard case .object(let call) = call, case .string(let name)? = call["name"], let arguments = call["arguments"] else { return nil }
            return ToolCall(id: ObjectID.make(prefix: "call_"), function: .init(name: name, arguments: arguments.compactText))
        }
        return (nil, toolCalls)
    }

    /// How an assistant message that made tool calls reads in the prompt: the answer it gave.
    static func answerText(for calls: [ToolCall]) -> String {
        let entries: [JSONValue] = calls.map { call in
            let arguments = (try? JSONValue(parsing: call.function.arguments)) ?? .string(call.function.arguments)
            return .object(["name": .string(call.function.name), "arguments": arguments])
        }
        return JSONValue.object(["tool_calls": .array(entries)]).compactText
    }
}
