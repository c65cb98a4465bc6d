import OpenAIAPI

/// Compiles a JSON Schema (the subset that OpenAI's Structured Outputs and Pydantic use) into
/// a byte-level `Grammar` whose matches are exactly compact JSON texts (no whitespace) that
/// validate against the schema.
///
/// Supported: `type` (one or a list), `properties`, `required`, `additionalProperties`,
/// `minProperties`/`maxProperties` (free-form objects), `items`, `minItems`, `maxItems`,
/// `enum`, `const`, `minLength`, `maxLength`, `format` (see `StringFormats`), `anyOf`, a
/// one-element `allOf`, `$ref` to `#`, `#/$defs/…` or `#/definitions/…` (recursion
/// included), and annotations (`title`, `description`, `default`, `examples`, …), which are
/// ignored. Anything else is a `SchemaError` that names it: it could not be enforced, and a
/// keyword silently dropped would let through output that does not validate.
///
/// Properties are written in the schema's order; optional ones may be left out. Objects with
/// `properties` get no other members (extra members are allowed by such a schema, never
/// required, so leaving them out still validates).
///
/// Nesting is bounded, so that a model cannot nest forever: a recursive reference is unrolled
/// `maxRecursion` levels deep (below that, optional recursive members are left out and arrays
/// of them stay empty), and free-form JSON (`json_object`, `{}`) nests at most `maxAnyDepth`
/// containers. Alternatives that could then never complete are pruned, so every accepted
/// prefix can still be finished. A schema that cannot be met within those bounds is refused.
public struct JSONSchemaCompiler {
    private var grammar = Grammar()
    private let root: JSONValue
    private var refRules: [String: Int] = [:]
    /// How many times each reference is being compiled on the current path (recursion depth).
    private var activeReferences: [String: Int] = [:]
    /// Per nesting level, the rules of any JSON value and any object.
    private var anyValueRules: [Int: Int] = [:]
    private var anyObjectRules: [Int: Int] = [:]
    private var stringRules: [StringSpec: Int] = [:]

    /// Keywords that say nothing about what validates.
    static let annotations: Set<String> = [
        "title", "description", "default", "examples", "$schema", "$id", "$comment", "deprecated",
        "readOnly", "writeOnly", "$defs", "definitions",
    ]

    static let supportedKeywords: Set<String> = annotations.union([
        "type", "properties", "required", "additionalProperties", "minProperties", "maxProperties",
        "items", "minItems", "maxItems", "enum", "const", "minLength", "maxLength", "format",
        "anyOf", "allOf", "$ref",
    ])

    /// Levels of one recursive reference.
    public static let maxRecursion = 3
    /// Nested containers in free-form JSON.
    public static let maxAnyDepth = 6
    /// Members or items of one free-form container, and characters of one free-form string
    /// (member names: half as many). Small models otherwise ramble inside free-form JSON until
    /// the output limit; within these bounds the text still validates, since the schema sets none.
    public static let maxAnyItems = 16
    public static let maxAnyStringLength = 128

    private init(root: JSONValue) { self.root = root }

    /// The grammar of every compact JSON text that validates against `schema`.
    public static func compile(schema: JSONValue) throws(SchemaError) -> Grammar {
        try compile(schema: schema, frame: nil)
    }

    /// The grammar of `frame.count` compact JSON texts that each validate against `schema`,
    /// each between the frame's prefix and suffix, with its separator between two.
    public static func compile(schema: JSONValue, framedBy frame: TextFrame) throws(SchemaError) -> Grammar {
        try compile(schema: schema, frame: Optional(frame))
    }

    private static func compile(schema: JSONValue, frame: TextFrame?) throws(SchemaError) -> Grammar {
        var compiler = JSONSchemaCompiler(root: schema)
        let start = compiler.grammar.declareRule("root")
        let body = try compiler.compile(schema, at: "#")
        if let frame {
            // The framed value is never empty (a JSON text is not), so the repeated tail never matches "".
            let item = compiler.grammar.addRule("framed value", [[.literal(Array(frame.prefix.utf8)), .rule(body),
                                                                  .literal(Array(frame.suffix.utf8))]])
            let tail = compiler.grammar.addRule("framed tail", [[.literal(Array(frame.separator.utf8)), .rule(item)]])
            compiler.grammar.define(start, [[.rule(item), .repeat(rule: tail, min: frame.count.lowerBound - 1,
                                                                  max: frame.count.upperBound - 1)]])
        } else {
            compiler.grammar.define(start, [[.rule(body)]])
        }
        guard compiler.grammar.pruneUnproductive() else {
            throw .invalid(at: "#", "the schema matches no finite JSON text within \(maxRecursion) levels of recursion")
        }
        if let rule = compiler.grammar.nonTerminatingRule() {
            throw .invalid(at: "#", "'\(compiler.grammar.names[rule])' refers to itself before any value is written "
                               + "(left recursion); such a schema describes no finite JSON text")
        }
        if GrammarMatcher(grammar: compiler.grammar).initialState().isDead {
            throw .invalid(at: "#", "the schema matches no JSON text")
        }
        return compiler.grammar
    }

    /// The grammar of `response_format: json_object`: any JSON object.
    public static func anyObject() -> Grammar {
        var compiler = JSONSchemaCompiler(root: .null)
        let start = compiler.grammar.declareRule("root")
        let object = compiler.anyObject(level: 0)
        compiler.grammar.define(start, [[.rule(object)]])
        _ = compiler.grammar.pruneUnproductive()
        return compiler.grammar
    }

    // MARK: - Schemas

    private mutating func compile(_ schema: JSONValue, at path: String) throws(SchemaError) -> Int {
        switch schema {
        case .bool(true): return anyValue()
        case .bool(false): throw .invalid(at: path, "the schema `false` matches nothing")
        case .object: break
        default: throw .invalid(at: path, "a schema must be an object or a boolean")
        }
        guard case .object(let object) = schema else { preconditionFailure() }
        for key in object.keys where !Self.supportedKeywords.contains(key) {
            throw .unsupported(key, at: path, "this keyword cannot be enforced while generating; remove it")
        }
        if case .string(let reference)? = object["$ref"] {
            return try compileReference(reference, at: path)
        } else if object["$ref"] != nil {
            throw .invalid(at: path + "/$ref", "must be a string")
        }
        if let allOf = object["allOf"] {
            guard case .array(let parts) = allOf, parts.count == 1 else {
                throw .unsupported("allOf", at: path, "only a one-element allOf is supported")
            }
            return try compile(parts[0], at: path + "/allOf/0")
        }
        if let constant = object["const"] {
            return grammar.addRule("const", [[.literal(Array(constant.compactText.utf8))]])
        }
        if let choices = object["enum"] {
            guard case .array(let values) = choices, !values.isEmpty else {
                throw .invalid(at: path + "/enum", "must be a non-empty array")
            }
            return grammar.addRule("enum", values.map { [.literal(Array($0.compactText.utf8))] })
        }
        if let anyOf = object["anyOf"] {
            guard case .array(let branches) = anyOf, !branches.isEmpty else {
                throw .invalid(at: path + "/anyOf", "must be a non-empty array")
            }
            var alternatives: [[GrammarElement]] = []
            for (index, branch) in branches.enumerated() {
                alternatives.append([.rule(try compile(branch, at: path + "/anyOf/\(index)"))])
            }
            return grammar.addRule("anyOf", alternatives)
        }
        let types: [String]
        switch object["type"] {
        case nil: types = inferredTypes(object)
        case .string(let type)?: types = [type]
        case .array(let list)?:
            types = try list.map { value throws(SchemaError) in
                guard case .string(let type) = value else { throw .invalid(at: path + "/type", "must list strings") }
                return type
            }
            if types.isEmpty { throw .invalid(at: path + "/type", "must not be empty") }
        default: throw .invalid(at: path + "/type", "must be a string or an array of strings")
        }
        if types.isEmpty { return anyValue() }
        var alternatives: [[GrammarElement]] = []
        for type in types {
            alternatives.append([.rule(try compile(type: type, object, at: path))])
        }
        return alternatives.count == 1 ? ruleOf(alternatives[0]) : grammar.addRule("types", alternatives)
    }

    /// The rule that an alternative of one rule element stands for.
    private func ruleOf(_ alternative: [GrammarElement]) -> Int {
        guard case .rule(let rule) = alternative[0] else { preconditionFailure() }
        return rule
    }

    /// With no `type`: what the other keywords imply, or anything.
    private func inferredTypes(_ object: JSONObject) -> [String] {
        if object["properties"] != nil || object["additionalProperties"] != nil || object["required"] != nil { return ["object"] }
        if object["items"] != nil || object["minItems"] != nil || object["maxItems"] != nil { return ["array"] }
        if object["minLength"] != nil || object["maxLength"] != nil || object["format"] != nil { return ["string"] }
        return []
    }

    private mutating func compile(type: String, _ object: JSONObject, at path: String) throws(SchemaError) -> Int {
        switch type {
        case "object": return try compileObject(object, at: path)
        case "array": return try compileArray(object, at: path)
        case "string": return try compileString(object, at: path)
        case "number": return grammar.addRule("number", [[.number(integer: false)]])
        case "integer": return grammar.addRule("integer", [[.number(integer: true)]])
        case "boolean": return grammar.addRule("boolean", [[.literal(Array("true".utf8))], [.literal(Array("false".utf8))]])
        case "null": return grammar.addRule("null", [[.literal(Array("null".utf8))]])
        default:
            throw .invalid(at: path + "/type", "unknown type '\(type)'; use object, array, string, number, integer, boolean or null")
        }
    }

    private mutating func compileReference(_ reference: String, at path: String) throws(SchemaError) -> Int {
        let depth = activeReferences[reference, default: 0]
        let key = "\(reference) \(depth)"
        if let rule = refRules[key] { return rule }
        guard reference == "#" || reference.hasPrefix("#/") else {
            throw .unsupported("$ref", at: path, "only references inside the schema ('#/$defs/…') are supported, not '\(reference)'")
        }
        var target = root
        for token in reference.dropFirst(2).split(separator: "/", omittingEmptySubsequences: false) {
            let key = token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            guard case .object(let object) = target, let next = object[key] else {
                throw .invalid(at: path + "/$ref", "'\(reference)' points at nothing")
            }
            target = next
        }
        // Past the last level the reference matches nothing (a rule without alternatives);
        // pruning then removes what would lead there.
        let rule = grammar.declareRule("ref \(reference) level \(depth)")
        refRules[key] = rule
        guard depth < Self.maxRecursion else { return rule }
        activeReferences[reference] = depth + 1
        defer { activeReferences[reference] = depth }
        let body = try compile(target, at: reference)
        grammar.define(rule, [[.rule(body)]])
        return rule
    }

    // MARK: - Objects

    private mutating func compileObject(_ object: JSONObject, at path: String) throws(SchemaError) -> Int {
        var properties: [(name: String, schema: JSONValue)] = []
        if let value = object["properties"] {
            guard case .object(let members) = value else { throw .invalid(at: path + "/properties", "must be an object") }
            properties = members.members.map { ($0.key, $0.value) }
        }
        var required: Set<String> = []
        if let value = object["required"] {
            guard case .array(let names) = value else { throw .invalid(at: path + "/required", "must be an array of names") }
            for name in names {
                guard case .string(let name) = name else { throw .invalid(at: path + "/required", "must be an array of names") }
                guard properties.contains(where: { $0.name == name }) else {
                    throw .unsupported("required", at: path,
                                       "'\(name)' is required but not among 'properties'; describe it under 'properties'")
                }
                required.insert(name)
            }
        }
        let minProperties = try count(object, "minProperties", at: path)
        let maxProperties = try count(object, "maxProperties", at: path)
        if properties.isEmpty {
            var valueRule: Int?
            switch object["additionalProperties"] {
            case .bool(false)?:
                if (minProperties ?? 0) > 0 { throw .invalid(at: path, "minProperties cannot be met without properties") }
                return grammar.addRule("empty object", [[.literal(Array("{}".utf8))]])
            case nil, .bool(true)?: valueRule = nil
            case let schema?: valueRule = try compile(schema, at: path + "/additionalProperties")
            }
            return freeObject(values: valueRule ?? anyValue(), min: minProperties ?? 0, max: maxProperties)
        }
        if minProperties != nil || maxProperties != nil {
            throw .unsupported(minProperties != nil ? "minProperties" : "maxProperties", at: path,
                               "counts of members are supported only on objects without 'properties'")
        }
        // rest[i][started]: properties i… given whether a member has been written (for the comma).
        let object = grammar.declareRule("object")
        var rest = Array(repeating: [0, 0], count: properties.count + 1)
        for i in stride(from: properties.count, through: 0, by: -1) {
            for started in [false, true] {
                let rule: Int
                if i == properties.count {
                    rule = grammar.addRule("object end", [[]])
                } else {
                    let (name, schema) = properties[i]
                    let value = try compile(schema, at: path + "/properties/" + name)
                    let key = Array(((started ? "," : "") + JSONValue.quoted(name) + ":").utf8)
                    var alternatives: [[GrammarElement]] = [[.literal(key), .rule(value), .rule(rest[i + 1][1])]]
                    if !required.contains(name) { alternatives.append([.rule(rest[i + 1][started ? 1 : 0])]) }
                    rule = grammar.addRule("object from \(name)", alternatives)
                }
                rest[i][started ? 1 : 0] = rule
            }
        }
        grammar.define(object, [[.literal([UInt8(ascii: "{")]), .rule(rest[0][0]), .literal([UInt8(ascii: "}")])]])
        return object
    }

    /// An object of any member names, each value matching `values`, `min...max` members.
    private mutating func freeObject(values: Int, min: Int, max: Int?, keys: StringSpec = StringSpec()) -> Int {
        let key = stringRule(keys)
        let tail = grammar.addRule("member tail", [[.literal([UInt8(ascii: ",")]), .rule(key), .literal([UInt8(ascii: ":")]), .rule(values)]])
        var alternatives: [[GrammarElement]] = []
        if min == 0 { alternatives.append([.literal(Array("{}".utf8))]) }
        if max != 0 {
            alternatives.append([.literal([UInt8(ascii: "{")]), .rule(key), .literal([UInt8(ascii: ":")]), .rule(values),
                                 .repeat(rule: tail, min: Swift.max(0, min - 1), max: max.map { $0 - 1 }),
                                 .literal([UInt8(ascii: "}")])])
        }
        return grammar.addRule("free object", alternatives)
    }

    // MARK: - Arrays

    private mutating func compileArray(_ object: JSONObject, at path: String) throws(SchemaError) -> Int {
        let items: Int
        switch object["items"] {
        case nil, .bool(true)?: items = anyValue()
        case let schema?: items = try compile(schema, at: path + "/items")
        }
        let min = try count(object, "minItems", at: path) ?? 0
        let max = try count(object, "maxItems", at: path)
        if let max, max < min { throw .invalid(at: path, "maxItems (\(max)) is below minItems (\(min))") }
        let tail = grammar.addRule("item tail", [[.literal([UInt8(ascii: ",")]), .rule(items)]])
        var alternatives: [[GrammarElement]] = []
        if min == 0 { alternatives.append([.literal(Array("[]".utf8))]) }
        if max != 0 {
            alternatives.append([.literal([UInt8(ascii: "[")]), .rule(items),
                                 .repeat(rule: tail, min: Swift.max(0, min - 1), max: max.map { $0 - 1 }),
                                 .literal([UInt8(ascii: "]")])])
        }
        return grammar.addRule("array", alternatives)
    }

    // MARK: - Strings

    private mutating func compileString(_ object: JSONObject, at path: String) throws(SchemaError) -> Int {
        let min = try count(object, "minLength", at: path) ?? 0
        let max = try count(object, "maxLength", at: path)
        if let max, max < min { throw .invalid(at: path, "maxLength (\(max)) is below minLength (\(min))") }
        var spec = StringSpec(minLength: min, maxLength: max)
        if let format = object["format"] {
            guard case .string(let name) = format else { throw .invalid(at: path + "/format", "must be a string") }
            guard let shape = StringFormats.shape(name) else {
                throw .unsupported("format", at: path,
                                   "format '\(name)' is not supported; supported: \(StringFormats.supported.joined(separator: ", "))")
            }
            if min != 0 || max != nil {
                throw .unsupported("format", at: path, "a format together with minLength or maxLength is not supported")
            }
            spec.shape = shape
        }
        return stringRule(spec)
    }

    /// One rule per kind of string, shared by every property that has it (fewer distinct
    /// frames, so the token-mask cache fills sooner).
    private mutating func stringRule(_ spec: StringSpec) -> Int {
        if let rule = stringRules[spec] { return rule }
        let rule = grammar.addRule("string", [[.string(spec)]])
        stringRules[spec] = rule
        return rule
    }

    // MARK: - Anything

    /// Any JSON value (its own nesting bounded from here).
    private mutating func anyValue() -> Int { anyValue(level: 0) }

    /// Any JSON value with at most `maxAnyDepth - level` containers nested in it.
    private mutating func anyValue(level: Int) -> Int {
        if let rule = anyValueRules[level] { return rule }
        let value = grammar.declareRule("any value \(level)")
        anyValueRules[level] = value
        let string = stringRule(StringSpec(maxLength: Self.maxAnyStringLength))
        var alternatives: [[GrammarElement]] = [
            [.rule(string)], [.number(integer: false)],
            [.literal(Array("true".utf8))], [.literal(Array("false".utf8))], [.literal(Array("null".utf8))],
        ]
        if level < Self.maxAnyDepth {
            let inner = anyValue(level: level + 1)
            let tail = grammar.addRule("any item tail", [[.literal([UInt8(ascii: ",")]), .rule(inner)]])
            let array = grammar.addRule("any array", [
                [.literal(Array("[]".utf8))],
                [.literal([UInt8(ascii: "[")]), .rule(inner), .repeat(rule: tail, min: 0, max: Self.maxAnyItems - 1),
                 .literal([UInt8(ascii: "]")])],
            ])
            alternatives = [[.rule(anyObject(level: level))], [.rule(array)]] + alternatives
        }
        grammar.define(value, alternatives)
        return value
    }

    /// Any JSON object whose members nest at most `maxAnyDepth - level - 1` more containers.
    private mutating func anyObject(level: Int) -> Int {
        if let rule = anyObjectRules[level] { return rule }
        let object = grammar.declareRule("any object \(level)")
        anyObjectRules[level] = object
        let body = freeObject(values: anyValue(level: level + 1), min: 0, max: Self.maxAnyItems,
                              keys: StringSpec(maxLength: Self.maxAnyStringLength / 2))
        grammar.define(object, [[.rule(body)]])
        return object
    }

    private func count(_ object: JSONObject, _ keyword: String, at path: String) throws(SchemaError) -> Int? {
        guard let value = object[keyword] else { return nil }
        switch value {
        case .integer(let n) where n >= 0: return n
        case .number(let x) where x >= 0 && x == x.rounded() && x < 1e9: return Int(x)
        default: throw .invalid(at: path + "/" + keyword, "must be a non-negative integer")
        }
    }
}
