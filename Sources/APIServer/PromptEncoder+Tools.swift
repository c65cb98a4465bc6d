import Jinja
import OpenAIAPI

/// What a chat template that speaks tools (`ToolCallSyntax.hermes`, `.llama3JSON`) is given,
/// in the shapes transformers' `apply_chat_template` passes (and llama.cpp's `--jinja` and vLLM
/// too): the `tools` in OpenAI's form, and messages that keep their tool calls and results.
/// Nothing here is particular to one format: each template picks what it writes.
extension PromptEncoder {
    /// `tools`: `[{"type": "function", "function": {"name", "description", "parameters"}}]`,
    /// each field as the request gave it (a missing description or parameters stays missing),
    /// the parameter schema with its keys in their written order.
    static func templateTools(_ tools: [ChatTool]) -> JinjaValue {
        .array(tools.map { tool in
            var function = JinjaDict([("name", .string(tool.name))])
            if let description = tool.description { function["description"] = .string(description) }
            if let parameters = tool.parameters { function["parameters"] = jinja(parameters) }
            return .dict(JinjaDict([("type", .string("function")), ("function", .dict(function))]))
        })
    }

    /// `messages`: dicts with `role` and `content` (null content read as ""), an assistant's
    /// `tool_calls` as `[{"id", "type": "function", "function": {"name", "arguments"}}]` with the
    /// arguments as an object (as templates that write them with `tojson` expect; text that is
    /// not JSON stays text), and a `tool` message's `tool_call_id`.
    static func templateMessages(_ messages: [ChatCompletionRequest.Message]) -> JinjaValue {
        .array(messages.map { message in
            var dict = JinjaDict([("role", .string(message.role.rawValue)), ("content", .string(message.content.text))])
            if let calls = message.toolCalls {
                dict["tool_calls"] = .array(calls.map { call in
                    let arguments = (try? JSONValue(parsing: call.function.arguments)).map(jinja) ?? .string(call.function.arguments)
                    let function = JinjaDict([("name", .string(call.function.name)), ("arguments", arguments)])
                    return .dict(JinjaDict([("id", .string(call.id)), ("type", .string("function")), ("function", .dict(function))]))
                })
            }
            if let id = message.toolCallID { dict["tool_call_id"] = .string(id) }
            return .dict(dict)
        })
    }

    /// A JSON value as a template sees it: what Python's `json.loads` gives (objects keep their order).
    static func jinja(_ json: JSONValue) -> JinjaValue {
        switch json {
        case .null: .none
        case .bool(let value): .bool(value)
        case .integer(let value): .int(value)
        case .number(let value): .double(value)
        case .string(let value): .string(value)
        case .array(let elements): .array(elements.map(jinja))
        case .object(let object): .dict(JinjaDict(object.members.map { ($0.key, jinja($0.value)) }))
        }
    }
}
