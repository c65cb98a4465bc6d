import Foundation

// jinja2's built-in filters that chat templates use, with transformers' `tojson` (plain `json.dumps`).

enum JinjaBuiltins {
    static let filterNames: Set<String> = [
        "abs", "attr", "batch", "capitalize", "center", "count", "d", "default", "dictsort", "e", "escape", "first",
        "float", "groupby", "indent", "int", "items", "join", "last", "length", "list", "lower", "map", "max", "min",
        "reject", "rejectattr", "replace", "reverse", "round", "safe", "select", "selectattr", "sort", "string",
        "strip", "sum", "title", "tojson", "trim", "unique", "upper", "wordcount",
    ]

    static let testNames: Set<String> = [
        "boolean", "callable", "defined", "divisibleby", "eq", "equalto", "==", "escaped", "even", "false", "filter",
        "float", "ge", "greaterthan", "gt", "in", "integer", "iterable", "le", "lessthan", "lower", "lt", "mapping",
        "ne", "none", "number", "odd", "sameas", "sequence", "string", "test", "true", "undefined", "upper",
    ]
}

extension JinjaInterpreter {
    // MARK: - Filters

    func applyFilter(_ name: String, to value: JinjaValue, _ args: JinjaCallArguments) throws -> JinjaValue {
        switch name {
        case "trim", "strip":
            return .string(pythonStrip(value.pythonString, chars: args.value(0, "chars"), left: true, right: true))
        case "length", "count":
            switch value {
            case .string(let s): return .int(s.count)
            case .array(let a): return .int(a.count)
            case .dict(let d): return .int(d.count)
            case .undefined: return .int(0)
            default: throw JinjaRuntimeError("object of type '\(value.typeName)' has no len()")
            }
        case "upper": return .string(value.pythonString.uppercased())
        case "lower": return .string(value.pythonString.lowercased())
        case "capitalize": return .string(pythonCapitalize(value.pythonString))
        case "title": return .string(jinjaTitle(value.pythonString))
        case "string": return .string(value.pythonString)
        case "safe", "e", "escape":
            if name == "safe" { return value }
            return .string(htmlEscape(value.pythonString))
        case "tojson":
            var indent: Int? = nil
            if let i = args.keywordValue("indent"), !i.isNone {
                guard let n = i.intValue else { throw JinjaRuntimeError("tojson indent must be an integer") }
                indent = n
            }
            var separators: (String, String)? = nil
            if case .array(let s)? = args.keywordValue("separators"), s.count == 2,
               case .string(let a) = s[0], case .string(let b) = s[1]
            {
                separators = (a, b)
            }
            return .string(try value.jsonString(
                indent: indent, separators: separators, sortKeys: args.keywordValue("sort_keys")?.isTruthy ?? false,
                ensureASCII: (args.keywordValue("ensure_ascii") ?? args.positional.first)?.isTruthy ?? false))
        case "int":
            let fallback = args.value(0, "default") ?? .int(0)
            switch value {
            case .int: return value
            case .bool(let b): return .int(b ? 1 : 0)
            case .double(let d): return Int(exactly: d.rounded(.towardZero)).map { .int($0) } ?? fallback
            case .string(let s):
                let t = s.trimmingCharacters(in: .whitespaces).jinjaReplacing("_", with: "")
                if let i = Int(t) { return .int(i) }
                if let d = Double(t), let i = Int(exactly: d.rounded(.towardZero)) { return .int(i) }
                return fallback
            default: return fallback
            }
        case "float":
            let fallback = args.value(0, "default") ?? .double(0)
            switch value {
            case .string(let s): return Double(s.trimmingCharacters(in: .whitespaces)).map { .double($0) } ?? fallback
            default: return value.numericValue.map { .double($0) } ?? fallback
            }
        case "abs":
            switch value {
            case .int(let i):
                guard i != Int.min else { throw JinjaRuntimeError("integer overflow in abs") }
                return .int(abs(i))
            case .double(let d): return .double(abs(d))
            case .bool(let b): return .int(b ? 1 : 0)
            default: throw JinjaRuntimeError("bad operand type for abs(): '\(value.typeName)'")
            }
        case "round":
            guard let x = value.numericValue else { throw JinjaRuntimeError("round needs a number") }
            let precision = args.value(0, "precision")?.intValue ?? 0
            let method = args.value(1, "method")?.pythonString ?? "common"
            let scale = pow(10.0, Double(precision))
            let rule: FloatingPointRoundingRule = method == "ceil" ? .up : (method == "floor" ? .down
                : .toNearestOrEven)  // Python's round() is half-to-even
            return .double((x * scale).rounded(rule) / scale)
        case "default", "d":
            let fallback = args.value(0, "default_value") ?? .string("")
            let boolean = args.value(1, "boolean")?.isTruthy ?? false
            if value.isUndefined || (boolean && !value.isTruthy) { return fallback }
            return value
        case "join":
            let separator = args.value(0, "d")?.pythonString ?? ""
            var items = try iterate(value)
            if let attribute = args.value(1, "attribute") {
                items = items.map { self.attribute(of: $0, attribute.pythonString) }
            }
            return .string(items.map(\.pythonString).joined(separator: separator))
        case "first":
            return try iterate(value).first ?? .undefined
        case "last":
            return try iterate(value).last ?? .undefined
        case "list":
            return .array(try iterate(value))
        case "reverse":
            if case .string(let s) = value { return .string(String(s.reversed())) }
            return .array(try iterate(value).reversed())
        case "replace":
            guard let old = args.value(0, "old"), let new = args.value(1, "new") else {
                throw JinjaRuntimeError("replace needs two arguments")
            }
            return .string(value.pythonString.jinjaReplacing(old.pythonString, with: new.pythonString,
                                                             count: args.value(2, "count")?.intValue ?? -1))
        case "items":
            switch value {
            case .dict(let d): return .array(d.pairs.map { .array([.string($0.key), $0.value]) })
            case .undefined: return .array([])
            default: throw JinjaRuntimeError("items filter needs a mapping, got \(value.typeName)")
            }
        case "dictsort":
            guard case .dict(let d) = value else { throw JinjaRuntimeError("dictsort needs a mapping") }
            let byValue = args.value(1, "by")?.pythonString == "value"
            let reverse = args.value(2, "reverse")?.isTruthy ?? false
            var pairs = d.pairs.map { JinjaValue.array([.string($0.key), $0.value]) }
            try pairs.sortThrowing { a, b in
                guard case .array(let x) = a, case .array(let y) = b else { return false }
                return try JinjaOperators.ordering(x[byValue ? 1 : 0], y[byValue ? 1 : 0]) < 0
            }
            return .array(reverse ? pairs.reversed() : pairs)
        case "selectattr", "rejectattr", "select", "reject":
            let keep = name.hasPrefix("select")
            let byAttribute = name.hasSuffix("attr")
            var rest = args.positional
            var attributeName: String? = nil
            if byAttribute {
                guard !rest.isEmpty else { throw JinjaRuntimeError("\(name) needs an attribute name") }
                attributeName = rest.removeFirst().pythonString
            }
            let testName = rest.isEmpty ? nil : rest.removeFirst().pythonString
            if let testName, !JinjaBuiltins.testNames.contains(testName) {
                throw JinjaError(kind: .unknownTest, message: "unknown test '\(testName)'")
            }
            let testArgs = JinjaCallArguments(positional: rest, keyword: [])
            return .array(try iterate(value).filter { item in
                let subject = attributeName.map { self.attribute(of: item, $0) } ?? item
                let passed = try testName.map { try applyTest($0, to: subject, testArgs) } ?? subject.isTruthy
                return passed == keep
            })
        case "map":
            let items = try iterate(value)
            if let attribute = args.keywordValue("attribute") {
                let fallback = args.keywordValue("default")
                return .array(items.map {
                    let v = self.attribute(of: $0, attribute.pythonString)
                    return v.isUndefined ? (fallback ?? v) : v
                })
            }
            guard let filterName = args.positional.first?.pythonString else {
                throw JinjaRuntimeError("map needs a filter name or attribute=")
            }
            guard JinjaBuiltins.filterNames.contains(filterName) else {
                throw JinjaError(kind: .unknownFilter, message: "unknown filter '\(filterName)'")
            }
            let filterArgs = JinjaCallArguments(positional: Array(args.positional.dropFirst()), keyword: args.keyword)
            return .array(try items.map { try applyFilter(filterName, to: $0, filterArgs) })
        case "attr":
            return attribute(of: value, args.value(0, "name")?.pythonString ?? "")
        case "sort":
            let reverse = args.value(0, "reverse")?.isTruthy ?? false
            let attributeName = args.value(2, "attribute")?.pythonString
            var items = try iterate(value)
            try items.sortThrowing { a, b in
                let x = attributeName.map { self.attribute(of: a, $0) } ?? a
                let y = attributeName.map { self.attribute(of: b, $0) } ?? b
                return try JinjaOperators.ordering(x, y) < 0
            }
            return .array(reverse ? items.reversed() : items)
        case "unique":
            var seen: [JinjaValue] = []
            for item in try iterate(value) where !seen.contains(item) { seen.append(item) }
            return .array(seen)
        case "min", "max":
            let items = try iterate(value)
            guard var best = items.first else { return .undefined }
            for item in items.dropFirst() {
                let order = try JinjaOperators.ordering(item, best)
                if (name == "min" && order < 0) || (name == "max" && order > 0) { best = item }
            }
            return best
        case "sum":
            var total: JinjaValue = args.value(1, "start") ?? .int(0)
            let attributeName = args.value(0, "attribute")?.pythonString
            for item in try iterate(value) {
                total = try JinjaOperators.binary("+", total, attributeName.map { attribute(of: item, $0) } ?? item)
            }
            return total
        case "batch":
            guard let size = args.value(0, "linecount")?.intValue, size > 0 else {
                throw JinjaRuntimeError("batch needs a positive size")
            }
            let items = try iterate(value)
            return .array(stride(from: 0, to: items.count, by: size).map {
                .array(Array(items[$0..<min($0 + size, items.count)]))
            })
        case "groupby":
            guard let key = args.value(0, "attribute")?.pythonString else {
                throw JinjaRuntimeError("groupby needs an attribute")
            }
            var groups: [(JinjaValue, [JinjaValue])] = []
            var items = try iterate(value)
            try items.sortThrowing { try JinjaOperators.ordering(attribute(of: $0, key), attribute(of: $1, key)) < 0 }
            for item in items {
                let k = attribute(of: item, key)
                if let last = groups.last, last.0 == k {
                    groups[groups.count - 1].1.append(item)
                } else {
                    groups.append((k, [item]))
                }
            }
            return .array(groups.map { .array([$0.0, .array($0.1)]) })
        case "wordcount":
            return .int(value.pythonString.split(whereSeparator: { $0.isWhitespace }).count)
        case "indent":
            let width = args.value(0, "width")
            let indentString = width.map { if case .string(let s) = $0 { return s }
                return String(repeating: " ", count: min(max($0.intValue ?? 4, 0), 1_000)) } ?? "    "
            let indentFirst = args.value(1, "first")?.isTruthy ?? false
            let indentBlank = args.value(2, "blank")?.isTruthy ?? false
            var lines = value.pythonString.jinjaSplit("\n")
            for i in lines.indices where (i > 0 || indentFirst) && (indentBlank || !lines[i].isEmpty) {
                lines[i] = indentString + lines[i]
            }
            return .string(lines.joined(separator: "\n"))
        case "center":
            let s = value.pythonString
            let width = min(args.value(0, "width")?.intValue ?? 80, 100_000)
            let total = width - s.count
            guard total > 0 else { return .string(s) }
            let left = total / 2 + (total & width & 1)  // CPython's str.center split
            return .string(String(repeating: " ", count: left) + s + String(repeating: " ", count: total - left))
        default:
            throw JinjaError(kind: .unknownFilter, message: "unknown filter '\(name)'")
        }
    }
}
