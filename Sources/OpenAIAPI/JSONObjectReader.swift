/// One JSON object of a request body, read field by field. Every error it raises names the
/// field by its full path in the request (`messages[2].content`), which is what OpenAI
/// clients show as `param`.
struct JSONObjectReader {
    let fields: [String: JSONValue]
    /// Where this object sits in the request: "" for the body itself, "messages[2]" below it.
    let path: String

    init(_ fields: [String: JSONValue], path: String = "") {
        self.fields = fields
        self.path = path
    }

    /// The path of one of this object's fields.
    func param(_ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    /// Rejects the first key not in `known`, in sorted order so the answer is stable.
    func rejectUnknownKeys(_ known: Set<String>) throws(APIError) {
        if let unknown = fields.keys.filter({ !known.contains($0) }).sorted().first {
            throw .unrecognizedArgument(param(unknown))
        }
    }

    /// The value of `key`, or nil when it is absent or null: like OpenAI, an explicit null
    /// means "not set".
    func value(_ key: String) -> JSONValue? {
        guard let value = fields[key], value != .null else { return nil }
        return value
    }

    func string(_ key: String) throws(APIError) -> String? {
        guard let value = value(key) else { return nil }
        return try value.string(at: param(key))
    }

    func bool(_ key: String) throws(APIError) -> Bool? {
        guard let value = value(key) else { return nil }
        return try value.bool(at: param(key))
    }

    func integer(_ key: String) throws(APIError) -> Int? {
        guard let value = value(key) else { return nil }
        return try value.integer(at: param(key))
    }

    func number(_ key: String) throws(APIError) -> Double? {
        guard let value = value(key) else { return nil }
        return try value.number(at: param(key))
    }

    func array(_ key: String) throws(APIError) -> [JSONValue]? {
        guard let value = value(key) else { return nil }
        return try value.array(at: param(key))
    }

    func object(_ key: String) throws(APIError) -> JSONObjectReader? {
        guard let value = value(key) else { return nil }
        return try value.object(at: param(key))
    }

    /// Unwraps a required field, or reports it missing (absent and null alike).
    func require<Value>(_ value: Value?, _ key: String) throws(APIError) -> Value {
        guard let value else { throw .missingParameter(param(key)) }
        return value
    }
}

/// Reading one value as a given kind, for array elements and the reader above. `param` is
/// the value's path, for the error.
extension JSONValue {
    func string(at param: String) throws(APIError) -> String {
        guard case .string(let text) = self else { throw typeError(param, expected: "a string") }
        return text
    }

    func bool(at param: String) throws(APIError) -> Bool {
        guard case .bool(let flag) = self else { throw typeError(param, expected: "a boolean") }
        return flag
    }

    func integer(at param: String) throws(APIError) -> Int {
        guard let integer = integerValue else { throw typeError(param, expected: "an integer") }
        return integer
    }

    func number(at param: String) throws(APIError) -> Double {
        guard let number = numberValue else { throw typeError(param, expected: "a number") }
        return number
    }

    func array(at param: String) throws(APIError) -> [JSONValue] {
        guard case .array(let elements) = self else { throw typeError(param, expected: "an array") }
        return elements
    }

    func object(at param: String) throws(APIError) -> JSONObjectReader {
        guard case .object(let object) = self else { throw typeError(param, expected: "an object") }
        return JSONObjectReader(object.fields, path: param)
    }

    private func typeError(_ param: String, expected: String) -> APIError {
        // A fraction where an integer belongs is the wrong kind too, but "got a number"
        // would confuse; say which number.
        if expected == "an integer", case .number(let value) = self {
            return .invalidType(param: param, expected: expected, got: "the decimal \(APIError.format(value))")
        }
        return .invalidType(param: param, expected: expected, got: kindDescription)
    }
}
