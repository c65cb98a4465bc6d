/// `response_format`: what shape the output must take.
///
/// - `text`: anything (the default).
/// - `json_object`: a JSON object, any members.
/// - `json_schema`: JSON that validates against the given schema. This server enforces the
///   schema during decoding whether or not `strict` is set; `strict` is accepted and echoed.
public enum ResponseFormat: Sendable, Equatable, Encodable {
    case text
    case jsonObject
    case jsonSchema(JSONSchemaFormat)

    /// `response_format.json_schema`.
    public struct JSONSchemaFormat: Sendable, Equatable, Encodable {
        public var name: String
        public var description: String?
        public var schema: JSONValue
        public var strict: Bool?

        public init(name: String, description: String? = nil, schema: JSONValue, strict: Bool? = nil) {
            self.name = name
            self.description = description
            self.schema = schema
            self.strict = strict
        }
    }

    /// Whether the output is constrained at all.
    public var constrainsOutput: Bool { self != .text }

    private enum CodingKeys: String, CodingKey {
        case type
        case jsonSchema = "json_schema"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .text: try container.encode("text", forKey: .type)
        case .jsonObject: try container.encode("json_object", forKey: .type)
        case .jsonSchema(let format):
            try container.encode("json_schema", forKey: .type)
            try container.encode(format, forKey: .jsonSchema)
        }
    }

    /// Reads `response_format` from a request body.
    static func read(_ format: JSONObjectReader) throws(APIError) -> ResponseFormat {
        try format.rejectUnknownKeys(["type", "json_schema"])
        let type = try format.require(format.string("type"), "type")
        switch type {
        case "text", "json_object":
            if format.value("json_schema") != nil {
                throw .invalidValue(param: format.param("json_schema"), "'json_schema' goes only with type \"json_schema\".")
            }
            return type == "text" ? .text : .jsonObject
        case "json_schema":
            let body = try format.require(format.object("json_schema"), "json_schema")
            try body.rejectUnknownKeys(["name", "description", "schema", "strict"])
            let name = try body.require(body.string("name"), "name")
            guard !name.isEmpty, name.count <= 64,
                  name.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" })
            else {
                throw .invalidValue(param: body.param("name"),
                                    "must be 1 to 64 letters, digits, underscores or dashes (got \"\(name)\").")
            }
            guard let schema = body.value("schema") else { throw .missingParameter(body.param("schema")) }
            guard case .object = schema else {
                throw .invalidType(param: body.param("schema"), expected: "an object (a JSON Schema)", got: schema.kindDescription)
            }
            return .jsonSchema(JSONSchemaFormat(name: name, description: try body.string("description"), schema: schema,
                                                strict: try body.bool("strict")))
        default:
            throw .invalidValue(param: format.param("type"), got: type, supported: ["text", "json_object", "json_schema"])
        }
    }
}
