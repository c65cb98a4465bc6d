/// Who wrote a chat message.
public enum ChatRole: String, Codable, Sendable, CaseIterable {
    case system
    /// OpenAI's newer name for system instructions; chat templates treat it as `system`.
    case developer
    case user
    case assistant
    /// The result of a tool call, in a conversation replayed from elsewhere.
    case tool
}

extension ChatCompletionRequest {
    /// One message of the conversation.
    public struct Message: Sendable, Equatable, Encodable {
        /// A message's content: a string, or an array of content parts of which this server
        /// supports only text parts (it serves text-only models).
        public enum Content: Sendable, Equatable, Encodable {
            case text(String)
            /// The `text` of each `{"type": "text", "text": ...}` part, in order.
            case parts([String])

            /// The text the model sees: the string, or the parts joined by newlines (as vLLM does).
            public var text: String {
                switch self {
                case .text(let text): text
                case .parts(let parts): parts.joined(separator: "\n")
                }
            }

            public func encode(to encoder: any Encoder) throws {
                switch self {
                case .text(let text):
                    var container = encoder.singleValueContainer()
                    try container.encode(text)
                case .parts(let parts):
                    var container = encoder.unkeyedContainer()
                    for part in parts {
                        try container.encode(["type": "text", "text": part])
                    }
                }
            }
        }

        public var role: ChatRole
        public var content: Content
        /// An optional participant name, passed on to the chat template.
        public var name: String?
        /// For `tool` messages: the call this message answers.
        public var toolCallID: String?
        /// For `assistant` messages sent back: the calls the model made (its content may then be null,
        /// read as empty).
        public var toolCalls: [ToolCall]?

        public init(role: ChatRole, content: Content, name: String? = nil, toolCallID: String? = nil, toolCalls: [ToolCall]? = nil) {
            self.role = role
            self.content = content
            self.name = name
            self.toolCallID = toolCallID
            self.toolCalls = toolCalls
        }

        public init(role: ChatRole, _ text: String) {
            self.init(role: role, content: .text(text))
        }

        enum CodingKeys: String, CodingKey {
            case role, content, name
            case toolCallID = "tool_call_id"
            case toolCalls = "tool_calls"
        }

        func validate(at param: String) throws(APIError) {
            if case .parts(let parts) = content, parts.isEmpty {
                throw .emptyArray(param: "\(param).content")
            }
            if role == .tool && toolCallID == nil {
                throw .missingParameter("\(param).tool_call_id")
            }
        }
    }
}

// MARK: - Reading a message from a request body

extension ChatCompletionRequest.Message {
    /// Keys every role accepts, and the extra keys the official clients put on an assistant
    /// message when a previous response is sent back as is (all null or empty there).
    private static let commonKeys: Set<String> = ["role", "content", "name"]
    private static let assistantEchoKeys: Set<String> = ["refusal", "tool_calls", "function_call", "audio", "annotations"]

    init(reading value: JSONValue, at path: String) throws(APIError) {
        let message = try value.object(at: path)
        let roleName = try message.require(message.string("role"), "role")
        guard let role = ChatRole(rawValue: roleName) else {
            if roleName == "function" {
                throw .unsupported(param: message.param("role"),
                                   "the deprecated 'function' role is not supported; this server does not call tools.")
            }
            throw .invalidValue(param: message.param("role"), got: roleName, supported: ChatRole.allCases.map(\.rawValue))
        }
        var known = Self.commonKeys
        switch role {
        case .assistant: known.formUnion(Self.assistantEchoKeys)
        case .tool: known = ["role", "content", "tool_call_id"]
        default: break
        }
        try message.rejectUnknownKeys(known)
        var toolCalls: [ToolCall]?
        if role == .assistant {
            try Self.rejectToolUse(in: message)
            if let calls = try message.array("tool_calls"), !calls.isEmpty {
                toolCalls = []
                for (index, call) in calls.enumerated() {
                    toolCalls?.append(try ToolCall.read(call, at: message.param("tool_calls[\(index)]")))
                }
            }
        }
        let content: Content = toolCalls != nil && message.value("content") == nil ? .text("") : try Self.readContent(of: message)
        self.init(role: role, content: content, name: try message.string("name"), toolCallID: try message.string("tool_call_id"),
                  toolCalls: toolCalls)
    }

    private static func readContent(of message: JSONObjectReader) throws(APIError) -> Content {
        let param = message.param("content")
        switch message.value("content") {
        case nil:
            throw .missingParameter(param)
        case .string(let text)?:
            return .text(text)
        case .array(let elements)?:
            var parts: [String] = []
            for (index, element) in elements.enumerated() {
                parts.append(try readTextPart(element, at: "\(param)[\(index)]"))
            }
            return .parts(parts)
        case let other?:
            throw .invalidType(param: param, expected: "a string or an array of content parts", got: other.kindDescription)
        }
    }

    private static func readTextPart(_ value: JSONValue, at path: String) throws(APIError) -> String {
        let part = try value.object(at: path)
        let type = try part.require(part.string("type"), "type")
        guard type == "text" else {
            throw .unsupported(param: part.param("type"),
                               "content parts of type '\(type)' are not supported: this server runs text-only models. "
                                   + "Send text parts ({\"type\": \"text\", \"text\": \"...\"}) or a plain string.")
        }
        try part.rejectUnknownKeys(["type", "text"])
        return try part.require(part.string("text"), "text")
    }

    /// An assistant message may carry the other fields of a response sent back as is, but only
    /// empty: refusals, audio and the deprecated function call are not supported.
    private static func rejectToolUse(in message: JSONObjectReader) throws(APIError) {
        for key in assistantEchoKeys.sorted() where key != "tool_calls" {
            switch message.value(key) {
            case nil, .array([])?: continue
            default:
                throw .unsupported(param: message.param(key),
                                   "this server does not support refusals, audio or function calls in assistant messages; "
                                       + "send null or leave '\(key)' out.")
            }
        }
    }
}
