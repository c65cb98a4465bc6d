// Values seen by the chat-template interpreter, with Python's semantics where a template can observe
// them: truthiness, `str()`, `repr()`, equality and ordering follow what jinja2 does with the Python objects
// that transformers hands it.

/// A value inside a Jinja template.
public enum JinjaValue: Sendable, Equatable {
    /// jinja2's default `Undefined`: prints as "", is falsy, iterates as empty, fails arithmetic.
    case undefined
    case none
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JinjaValue])
    case dict(JinjaDict)
    /// The object made by `namespace(...)`: the one mutable value, shared by reference.
    case namespace(JinjaNamespace)
    /// A callable known by name: a built-in global (`raise_exception`, `range`, ...) or a macro.
    case function(String)

    public static func == (lhs: JinjaValue, rhs: JinjaValue) -> Bool {
        switch (lhs, rhs) {
        case (.undefined, .undefined), (.none, .none): return true
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.dict(a), .dict(b)): return a == b
        case let (.namespace(a), .namespace(b)): return a === b
        case let (.function(a), .function(b)): return a == b
        default:
            // Python: True == 1 == 1.0.
            if let a = lhs.numericValue, let b = rhs.numericValue { return a == b }
            return false
        }
    }
}

/// A dictionary that keeps insertion order, as Python's `dict` does (and as `tojson` shows).
public struct JinjaDict: Sendable, Equatable, Sequence {
    public private(set) var keys: [String] = []
    private var storage: [String: JinjaValue] = [:]

    public init() {}
    public init(_ pairs: [(String, JinjaValue)]) {
        for (k, v) in pairs { self[k] = v }
    }

    public subscript(key: String) -> JinjaValue? {
        get { storage[key] }
        set {
            if let newValue {
                if storage.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if storage.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }
    public var pairs: [(key: String, value: JinjaValue)] { keys.map { ($0, storage[$0]!) } }
    public var values: [JinjaValue] { keys.map { storage[$0]! } }

    public func makeIterator() -> IndexingIterator<[(key: String, value: JinjaValue)]> { pairs.makeIterator() }

    /// Order-insensitive, like Python's `dict.__eq__`.
    public static func == (lhs: JinjaDict, rhs: JinjaDict) -> Bool { lhs.storage == rhs.storage }
}

/// Storage behind `namespace(...)`. Templates mutate it with `{% set ns.attr = ... %}`; it lives only
/// for one render on one thread, which is why the unchecked Sendable is sound.
public final class JinjaNamespace: @unchecked Sendable {
    public internal(set) var attributes: JinjaDict
    init(_ attributes: JinjaDict) { self.attributes = attributes }
}

extension JinjaValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByFloatLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(arrayLiteral elements: JinjaValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JinjaValue)...) { self = .dict(JinjaDict(elements)) }
    public init(nilLiteral: ()) { self = .none }
}

// MARK: - Python semantics

extension JinjaValue {
    var isUndefined: Bool { if case .undefined = self { return true } else { return false } }
    var isNone: Bool { if case .none = self { return true } else { return false } }

    /// Python's `bool(x)`.
    var isTruthy: Bool {
        switch self {
        case .undefined, .none: return false
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .double(let d): return d != 0
        case .string(let s): return !s.isEmpty
        case .array(let a): return !a.isEmpty
        case .dict(let d): return !d.isEmpty
        case .namespace, .function: return true
        }
    }

    /// The value as a number if it is one (bools count, as in Python).
    var numericValue: Double? {
        switch self {
        case .bool(let b): return b ? 1 : 0
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    /// The value as an integer if it is an int or a bool.
    var intValue: Int? {
        switch self {
        case .bool(let b): return b ? 1 : 0
        case .int(let i): return i
        default: return nil
        }
    }

    var typeName: String {
        switch self {
        case .undefined: return "undefined"
        case .none: return "NoneType"
        case .bool: return "bool"
        case .int: return "int"
        case .double: return "float"
        case .string: return "str"
        case .array: return "list"
        case .dict: return "dict"
        case .namespace: return "Namespace"
        case .function: return "function"
        }
    }

    /// Python's `str(x)`, which is what `{{ x }}` prints.
    var pythonString: String {
        switch self {
        case .undefined: return ""
        case .string(let s): return s
        default: return pythonRepr
        }
    }

    /// Python's `repr(x)`, used inside list and dict displays.
    var pythonRepr: String {
        switch self {
        case .undefined: return ""
        case .none: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return String(i)
        case .double(let d): return JinjaValue.pythonFloatRepr(d)
        case .string(let s): return JinjaValue.pythonStringRepr(s)
        case .array(let a): return "[" + a.map(\.pythonRepr).joined(separator: ", ") + "]"
        case .dict(let d):
            return "{" + d.pairs.map { JinjaValue.pythonStringRepr($0.key) + ": " + $0.value.pythonRepr }
                .joined(separator: ", ") + "}"
        case .namespace(let ns): return "<Namespace " + JinjaValue.dict(ns.attributes).pythonRepr + ">"
        case .function(let name): return "<function \(name)>"
        }
    }

    /// `repr(float)`: shortest round-trip digits, exponent form below 1e-4 and from 1e16 up.
    static func pythonFloatRepr(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d < 0 ? "-inf" : "inf" }
        let s = "\(d)"  // Swift also prints the shortest round-trip digits
        guard let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }) else {
            if abs(d) >= 1e16 { return pythonExponentForm(positional: s) }
            return s
        }
        // Swift: "1e-05", "1e+16", "1.5e-07"; Python: two-digit signed exponent, no ".0" mantissa.
        var mantissa = String(s[..<e])
        if mantissa.hasSuffix(".0") { mantissa.removeLast(2) }
        var exp = String(s[s.index(after: e)...])
        var sign = "+"
        if exp.hasPrefix("-") { sign = "-"; exp.removeFirst() } else if exp.hasPrefix("+") { exp.removeFirst() }
        if exp.count < 2 { exp = "0" + exp }
        return mantissa + "e" + sign + exp
    }

    /// "12345678901234567.0" -> "1.2345678901234568e+16".
    private static func pythonExponentForm(positional: String) -> String {
        var body = positional
        var sign = ""
        if body.hasPrefix("-") { sign = "-"; body.removeFirst() }
        let intPart = body.split(separator: ".").first.map(String.init) ?? body
        var digits = intPart
        while digits.hasSuffix("0") && digits.count > 1 { digits.removeLast() }
        var mantissa = String(digits.first!)
        if digits.count > 1 { mantissa += "." + digits.dropFirst() }
        let exponent = intPart.count - 1
        return sign + mantissa + "e+" + (exponent < 10 ? "0" : "") + String(exponent)
    }

    static func pythonStringRepr(_ s: String) -> String {
        let quote: Unicode.Scalar = (s.contains("'") && !s.contains("\"")) ? "\"" : "'"
        var out = String.UnicodeScalarView()
        out.append(quote)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\\": out.append(contentsOf: "\\\\".unicodeScalars)
            case "\n": out.append(contentsOf: "\\n".unicodeScalars)
            case "\r": out.append(contentsOf: "\\r".unicodeScalars)
            case "\t": out.append(contentsOf: "\\t".unicodeScalars)
            case quote: out.append("\\"); out.append(quote)
            default:
                if scalar.value < 0x20 || scalar.value == 0x7f {
                    out.append(contentsOf: ("\\x" + hex(scalar.value, width: 2)).unicodeScalars)
                } else {
                    out.append(scalar)
                }
            }
        }
        out.append(quote)
        return String(out)
    }

    static func hex(_ v: UInt32, width: Int) -> String {
        let h = String(v, radix: 16)
        return String(repeating: "0", count: max(0, width - h.count)) + h
    }
}
