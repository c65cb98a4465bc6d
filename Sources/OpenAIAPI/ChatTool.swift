/// One entry of `tools`: a function the model may call.
public struct ChatTool: Sendable, Equatable, Encodable {
    public var name: String
    public var description: String?
    /// The arguments' JSON Schema; nil means any object.
    public var parameters: JSONValue?
    public var strict: Bool?

    public init(name: String, description: String? = nil, parameters: JSONValue? = nil, strict: Bool? = nil) {
        self.name = name
        self.description = description
        self.parameters = parameters
        self.strict = strict
    }

    private enum CodingKeys: String, CodingKey { case type, function }
    private enum FunctionKeys: String, CodingKey { case name, description, parameters, strict }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode("function", forKey: .type)
        var function = container.nestedContainer(keyedBy: FunctionKeys.self, forKey: .function)
        try function.encode(name, forKey: .name)
        try function.encodeIfPresent(description, forKey: .description)
        try function.encodeIfPresent(parameters, forKey: .parameters)
        try function.encodeIfPresent(strict, forKey: .strict)
    }

    static func read(_ value: JSONValue, at path: String) throws(APIError) -> ChatTool {
        let tool = try value.object(at: path)
        try tool.rejectUnknownKeys(["type", "function"])
        let type = try tool.require(tool.string("type"), "type")
        guard type == "function" else {
            throw .invalidValue(param: tool.param("type"), got: type, supported: ["function"])
        }
        let function = try tool.require(tool.object("function"), "function")
        try function.rejectUnknownKeys(["name", "description", "parameters", "strict"])
        let name = try function.require(function.string("name"), "name")
        guard !name.isEmpty, name.count <= 64,
              name.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-") })
        else {
            throw .invalidValue(param: function.param("name"), "must be 1 to 64 letters, digits, underscores or dashes (got \"\(name)\").")
        }
        let parameters = function.value("parameters")
        if let parameters, case .object = parameters {} else if let parameters {
            throw .invalidType(param: function.param("parameters"), expected: "an object (a JSON Schema)", got: parameters.kindDescription)
        }
        return ChatTool(name: name, description: try function.string("description"), parameters: parameters,
                        strict: try function.bool("strict"))
    }
}

/// `tool_choice`: whether and which tool the model must call.
public enum ToolChoice: Sendable, Equatable, Encodable {
    /// Plain text; the tools are not shown to the model.
    case none
    /// The model chooses: a text answer or tool calls.
    case auto
    /// At least one tool call.
    case required
    /// A call of this function.
    case function(String)

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .none: try container.encode("none")
        case .auto: try container.encode("auto")
        case .required: try container.encode("required")
        case .function(let name): try container.encode(["type": JSONValue.string("function"), "function": .object(["name": .string(name)])])
        }
    }

    static func read(_ value: JSONValue, at path: String) throws(APIError) -> ToolChoice {
        switch value {
        case .string("none"): return .none
        case .string("auto"): return .auto
        case .string("required"): return .required
        case .string(let other):
            throw .invalidValue(param: path, got: other, supported: ["none", "auto", "required"])
        case .object:
            let choice = try value.object(at: path)
            try choice.rejectUnknownKeys(["type", "function"])
            let type = try choice.require(choice.string("type"), "type")
            guard type == "function" else { throw .invalidValue(param: choice.param("type"), got: type, supported: ["function"]) }
            let function = try choice.require(choice.object("function"), "function")
            try function.rejectUnknownKeys(["name"])
            return .function(try function.require(function.string("name"), "name"))
        default:
            throw .invalidType(param: path, expected: "\"none\", \"auto\", \"required\" or a function object", got: value.kindDescription)
        }
    }
}

/// A tool call: in a response's message, and in an assistant message sent back.
public struct ToolCall: Sendable, Equatable, Codable {
    public struct Function: Sendable, Equatable, Codable {
        public var name: String
        /// The arguments as JSON text.
        public var arguments: String

        public init(name: String, arguments: String) {
            self.name = name
            self.arguments = arguments
        }
    }

    public var id: String
    public var type = "function"
    public var function: Function

    public init(id: String, function: Function) {
        self.id = id
        self.function = function
    }

    static func read(_ value: JSONValue, at path: String) throws(APIError) -> ToolCall {
        let call = try value.object(at: path)
        try call.rejectUnknownKeys(["id", "type", "function"])
        if let type = try call.string("type"), type != "function" {
            throw .invalidValue(param: call.param("type"), got: type, supported: ["function"])
        }
        let function = try call.require(call.object("function"), "function")
        try function.rejectUnknownKeys(["name", "arguments"])
        return ToolCall(id: try call.require(call.string("id"), "id"),
                        function: Function(name: try function.require(function.string("name"), "name"),
                                           arguments: try function.require(function.string("arguments"), "arguments")))
    }
}
