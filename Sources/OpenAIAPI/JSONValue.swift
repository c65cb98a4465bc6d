import Foundation

/// A parsed JSON value, kept exactly as sent so that validation can name what it got.
///
/// Request bodies are read into this tree first (by `JSONParser`) and validated field by
/// field, rather than decoded straight into the request types: a synthesized `Decodable`
/// cannot reject unknown keys, and its errors name coding paths instead of the `param` an
/// OpenAI client expects. It is the one JSON reader of the package that keeps object key
/// order, so other modules read JSON through it too (`init(parsing:)`).
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// A number written without fraction or exponent that fits in an `Int`. (On the nested
    /// `Decodable` path JSONDecoder reads `1.0` and `1e2` as integers too; validation treats
    /// any integral number as an integer either way.)
    case integer(Int)
    /// Any other number.
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// How the value reads in an error message: "a string", "an integer", "null"…
    var kindDescription: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .integer: "an integer"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// The value as an `Int`, when it is one (a number with no fraction counts: `5.0` is 5).
    var integerValue: Int? {
        switch self {
        case .integer(let value): return value
        case .number(let value):
            // Int(exactly:) is nil for fractions, infinities and anything out of Int's range.
            return Int(exactly: value)
        default: return nil
        }
    }

    /// The value as a `Double`, when it is a number of either kind.
    var numberValue: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .number(let value): value
        default: nil
        }
    }
}

extension JSONValue: Decodable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
            return
        }
        // Only for requests nested in other Decodable documents; bodies go through JSONParser.
        // A Decoder offers no way to ask which kind a value is, so each kind is tried in turn,
        // most common first (token ids, then strings): every failed try costs a thrown error.
        // JSONDecoder's Int and Bool decoders never accept each other's literals.
        if let value = try? container.decode(Int.self) {
            self = .integer(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            // The Decoder gives the keys in no particular order.
            self = .object(JSONObject(try container.decode([String: JSONValue].self)))
        }
    }

    /// The fields of a request nested in another Decodable document (a batch input line),
    /// for the request types' `init(from:)`, which validate as their `decode(_:)` does.
    static func requestFields(from decoder: any Decoder) throws -> [String: JSONValue] {
        let value = try JSONValue(from: decoder)
        guard case .object(let object) = value else {
            throw APIError.invalidRequest("The request body must be a JSON object, but got \(value.kindDescription) instead.")
        }
        return object.fields
    }
}

extension JSONValue {
    /// Parses JSON text (RFC 8259, strictly: no duplicate keys, at most `JSONParser.maxDepth`
    /// levels of nesting). Objects keep their key order.
    public init(parsing text: String) throws {
        // A String is valid UTF-8, which is all the parser asks of its input.
        self = try JSONParser.parse(Array(text.utf8))
    }

    /// Parses a request body, or says what is wrong with it in terms a client can act on:
    /// an empty body, bytes that are not UTF-8, text that is not JSON, JSON that is not an object.
    static func parseRequestBody(_ body: Data) throws(APIError) -> [String: JSONValue] {
        let bytes = [UInt8](body)
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            throw .invalidRequest(
                "The request body is empty. This endpoint expects a JSON object "
                    + "(send it with the header Content-Type: application/json).",
                code: "empty_body")
        }
        if let offset = firstInvalidUTF8Offset(in: bytes) {
            throw .invalidRequest(
                "The request body is not valid UTF-8 (the first invalid byte is at offset \(offset)). "
                    + "JSON bodies must be encoded as UTF-8; check how your client encodes non-ASCII text.",
                code: "invalid_utf8")
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw .invalidRequest(
                "We could not parse the JSON body of your request: \(error.description). This endpoint "
                    + "expects a JSON object; this likely means your HTTP client did not serialize the "
                    + "payload as JSON.",
                code: "invalid_json")
        }
        guard case .object(let object) = value else {
            throw .invalidRequest(
                "The request body must be a JSON object, but got \(value.kindDescription) instead.",
                code: "invalid_json")
        }
        return object.fields
    }

    private static func firstInvalidUTF8Offset(in bytes: [UInt8]) -> Int? {
        if bytes.withUnsafeBufferPointer({ String(validating: $0, as: UTF8.self) }) != nil { return nil }
        // Only on the error path: walk the bytes to say where the problem starts.
        var decoder = UTF8()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                offset += UTF8.width(scalar)
            case .emptyInput:
                return nil
            case .error:
                return offset
            }
        }
    }
}
