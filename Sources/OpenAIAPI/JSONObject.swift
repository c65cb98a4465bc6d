/// The members of a JSON object, in the order they were written.
///
/// Lookups go through a dictionary; the order is kept for readers that print an object back:
/// a chat template's `tojson` shows a tool schema's keys as the client sent them. Two objects
/// are equal when they have the same members, in any order, as JSON defines it.
public struct JSONObject: Sendable, Equatable, ExpressibleByDictionaryLiteral {
    public private(set) var keys: [String] = []
    public private(set) var fields: [String: JSONValue] = [:]

    public init() {}

    /// An object whose order is unknown (a dictionary's): its keys sorted, so it is stable.
    public init(_ fields: [String: JSONValue]) {
        self.fields = fields
        keys = fields.keys.sorted()
    }

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        for (key, value) in elements { _ = append(key, value) }
    }

    public subscript(key: String) -> JSONValue? { fields[key] }

    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }
    /// The members in their written order.
    public var members: [(key: String, value: JSONValue)] { keys.map { ($0, fields[$0]!) } }

    /// Adds a member after the others. A key already present is left as it was and reported
    /// with `false`: JSON parsers disagree on which duplicate wins, so callers reject them.
    mutating func append(_ key: String, _ value: JSONValue) -> Bool {
        guard fields.updateValue(value, forKey: key) == nil else { return false }
        keys.append(key)
        return true
    }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool { lhs.fields == rhs.fields }
}
