import OpenAIAPI

/// A JSON Schema validator for the keywords the compiler supports, written independently of
/// it (from the specification's wording), so that the tests check the grammar against the
/// schema rather than against itself. Returns the first violation, or nil.
struct SchemaValidator {
    let root: JSONValue

    func violation(_ value: JSONValue) -> String? { violation(value, root, "$") }

    private func violation(_ value: JSONValue, _ schema: JSONValue, _ at: String) -> String? {
        if case .bool(let allowed) = schema { return allowed ? nil : "\(at): schema false" }
        guard case .object(let s) = schema else { return "\(at): bad schema" }
        if case .string(let ref)? = s["$ref"] {
            var target = root
            for token in ref.dropFirst(2).split(separator: "/") where ref != "#" {
                guard case .object(let o) = target, let next = o[String(token)] else { return "bad ref" }
                target = next
            }
            if let v = violation(value, target, at) { return v }
        }
        if case .array(let parts)? = s["allOf"] {
            for part in parts { if let v = violation(value, part, at) { return v } }
        }
        if case .array(let branches)? = s["anyOf"] {
            if branches.allSatisfy({ violation(value, $0, at) != nil }) { return "\(at): matches no anyOf branch" }
        }
        if let constant = s["const"], !same(constant, value) { return "\(at): not the const" }
        if case .array(let options)? = s["enum"], !options.contains(where: { same($0, value) }) { return "\(at): not in enum" }
        if let type = s["type"] {
            let types: [String]
            switch type {
            case .string(let t): types = [t]
            case .array(let list): types = list.compactMap { if case .string(let t) = $0 { t } else { nil } }
            default: types = []
            }
            if !types.contains(where: { isType(value, $0) }) { return "\(at): not of type \(types)" }
        }
        switch value {
        case .object(let object):
            if case .object(let properties)? = s["properties"] {
                for member in object.members {
                    if let sub = properties[member.key] {
                        if let v = violation(member.value, sub, at + "." + member.key) { return v }
                    } else if let extra = s["additionalProperties"] {
                        if let v = violation(member.value, extra, at + "." + member.key) { return v }
                    }
                }
            } else if let extra = s["additionalProperties"] {
                for member in object.members {
                    if let v = violation(member.value, extra, at + "." + member.key) { return v }
                }
            }
            if case .array(let required)? = s["required"] {
                for case .string(let name) in required where object[name] == nil { return "\(at): missing \(name)" }
            }
            if let max = s["maxProperties"]?.asInt, object.count > max { return "\(at): too many members" }
            if let min = s["minProperties"]?.asInt, object.count < min { return "\(at): too few members" }
        case .array(let items):
            if let itemSchema = s["items"] {
                for (i, item) in items.enumerated() { if let v = violation(item, itemSchema, "\(at)[\(i)]") { return v } }
            }
            if let max = s["maxItems"]?.asInt, items.count > max { return "\(at): too many items" }
            if let min = s["minItems"]?.asInt, items.count < min { return "\(at): too few items" }
        case .string(let text):
            let length = text.unicodeScalars.count
            if let max = s["maxLength"]?.asInt, length > max { return "\(at): longer than \(max)" }
            if let min = s["minLength"]?.asInt, length < min { return "\(at): shorter than \(min)" }
            if case .string(let format)? = s["format"], !matchesFormat(text, format) { return "\(at): not a \(format)" }
        default: break
        }
        return nil
    }

    private func isType(_ value: JSONValue, _ type: String) -> Bool {
        switch (value, type) {
        case (.object, "object"), (.array, "array"), (.string, "string"), (.bool, "boolean"), (.null, "null"): true
        case (.integer, "integer"), (.integer, "number"), (.number, "number"): true
        case (.number(let x), "integer"): x == x.rounded()
        default: false
        }
    }

    private func same(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.integer(let x), .number(let y)), (.number(let y), .integer(let x)): Double(x) == y
        default: a == b
        }
    }

    /// The formats' syntax, by regular expression.
    private func matchesFormat(_ text: String, _ format: String) -> Bool {
        let patterns = [
            "date": #"^\d{4}-\d{2}-\d{2}$"#,
            "time": #"^\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"#,
            "date-time": #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"#,
            "uuid": #"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"#,
            "email": #"^[^@\s]+@[^@\s]+\.[^@\s]+$"#,
            "ipv4": #"^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$"#,
        ]
        guard let pattern = patterns[format] else { return false }
        return text.range(of: pattern, options: .regularExpression) != nil
    }
}

extension JSONValue {
    var asInt: Int? {
        switch self {
        case .integer(let n): n
        case .number(let x): Int(exactly: x)
        default: nil
        }
    }
}
