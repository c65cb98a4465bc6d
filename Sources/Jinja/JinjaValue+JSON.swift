// JinjaValue written as JSON: Python's `json.dumps`, which is what transformers' `tojson` is. Reading JSON is
// not this module's job: callers build values from what their own JSON reader decoded (dicts keep the order
// they are built in, so a schema read in order is printed back in order).

extension JinjaValue {
    /// Python's `json.dumps(self, ensure_ascii=..., indent=..., separators=..., sort_keys=...)`.
    /// `undefined`, namespaces and functions are not JSON-serializable and throw, as in Python.
    func jsonString(
        indent: Int? = nil, separators: (item: String, key: String)? = nil,
        sortKeys: Bool = false, ensureASCII: Bool = false
    ) throws -> String {
        let itemSeparator = separators?.item ?? (indent == nil ? ", " : ",")
        let keySeparator = separators?.key ?? ": "
        var out = ""
        try writeJSON(into: &out, level: 0, indent: indent, item: itemSeparator, key: keySeparator,
                      sortKeys: sortKeys, ensureASCII: ensureASCII)
        return out
    }

    private func writeJSON(
        into out: inout String, level: Int, indent: Int?, item: String, key: String, sortKeys: Bool, ensureASCII: Bool
    ) throws {
        func newline(_ level: Int) {
            if let indent { out += "\n" + String(repeating: " ", count: indent * level) }
        }
        switch self {
        case .none: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d):
            if d.isNaN { out += "NaN" } else if d.isInfinite { out += d < 0 ? "-Infinity" : "Infinity" } else {
                out += JinjaValue.pythonFloatRepr(d)
            }
        case .string(let s): out += JinjaValue.jsonQuote(s, ensureASCII: ensureASCII)
        case .array(let a):
            if a.isEmpty { out += "[]"; return }
            out += "["
            for (i, element) in a.enumerated() {
                if i > 0 { out += item }
                newline(level + 1)
                try element.writeJSON(into: &out, level: level + 1, indent: indent, item: item, key: key,
                                      sortKeys: sortKeys, ensureASCII: ensureASCII)
            }
            newline(level)
            out += "]"
        case .dict(let d):
            if d.isEmpty { out += "{}"; return }
            out += "{"
            let pairs = sortKeys ? d.pairs.sorted { $0.key < $1.key } : d.pairs
            for (i, pair) in pairs.enumerated() {
                if i > 0 { out += item }
                newline(level + 1)
                out += JinjaValue.jsonQuote(pair.key, ensureASCII: ensureASCII) + key
                try pair.value.writeJSON(into: &out, level: level + 1, indent: indent, item: item, key: key,
                                         sortKeys: sortKeys, ensureASCII: ensureASCII)
            }
            newline(level)
            out += "}"
        case .undefined, .namespace, .function:
            throw JinjaRuntimeError("Object of type \(typeName) is not JSON serializable")
        }
    }

    static func jsonQuote(_ s: String, ensureASCII: Bool) -> String {
        var out = String.UnicodeScalarView()
        out.append("\"")
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out.append(contentsOf: "\\\"".unicodeScalars)
            case "\\": out.append(contentsOf: "\\\\".unicodeScalars)
            case "\n": out.append(contentsOf: "\\n".unicodeScalars)
            case "\r": out.append(contentsOf: "\\r".unicodeScalars)
            case "\t": out.append(contentsOf: "\\t".unicodeScalars)
            case "\u{08}": out.append(contentsOf: "\\b".unicodeScalars)
            case "\u{0C}": out.append(contentsOf: "\\f".unicodeScalars)
            default:
                if scalar.value < 0x20 || (ensureASCII && scalar.value > 0x7e) {
                    if scalar.value > 0xFFFF {  // UTF-16 surrogate pair, as Python writes it
                        let v = scalar.value - 0x10000
                        out.append(contentsOf: ("\\u" + hex(0xD800 + (v >> 10), width: 4)
                            + "\\u" + hex(0xDC00 + (v & 0x3FF), width: 4)).unicodeScalars)
                    } else {
                        out.append(contentsOf: ("\\u" + hex(scalar.value, width: 4)).unicodeScalars)
                    }
                } else {
                    out.append(scalar)
                }
            }
        }
        out.append("\"")
        return String(out)
    }
}
