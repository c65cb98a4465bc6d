import Foundation

// Filters, tests, methods on strings/dicts/lists, and the globals transformers provides
// (`raise_exception`, `strftime_now`) plus jinja2's own (`range`, `namespace`, `dict`).

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
                throw ChatTemplateError(kind: .unknownTest, message: "unknown test '\(testName)'")
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
                throw ChatTemplateError(kind: .unknownFilter, message: "unknown filter '\(filterName)'")
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
            throw ChatTemplateError(kind: .unknownFilter, message: "unknown filter '\(name)'")
        }
    }

    // MARK: - Tests

    func applyTest(_ name: String, to value: JinjaValue, _ args: JinjaCallArguments) throws -> Bool {
        let argument = args.positional.first
        switch name {
        case "defined": return !value.isUndefined
        case "undefined": return value.isUndefined
        case "none": return value.isNone
        case "boolean": if case .bool = value { return true } else { return false }
        case "true": return value == .bool(true) && { if case .bool = value { return true }; return false }()
        case "false": return value == .bool(false) && { if case .bool = value { return true }; return false }()
        case "integer": if case .int = value { return true } else { return false }
        case "float": if case .double = value { return true } else { return false }
        case "number": return value.numericValue != nil
        case "string": if case .string = value { return true } else { return false }
        case "mapping": if case .dict = value { return true } else { return false }
        case "iterable":
            switch value {
            case .string, .array, .dict, .undefined: return true
            default: return false
            }
        case "sequence":
            switch value {
            case .string, .array, .dict, .undefined: return true
            default: return false
            }
        case "callable": if case .function = value { return true } else { return false }
        case "escaped": return false
        case "odd", "even":
            guard let i = value.intValue else { throw JinjaRuntimeError("'\(name)' test needs an integer") }
            return (i % 2 != 0) == (name == "odd")
        case "divisibleby":
            guard let i = value.intValue, let d = argument?.intValue, d != 0 else {
                throw JinjaRuntimeError("'divisibleby' test needs non-zero integers")
            }
            return d == -1 || i % d == 0
        case "eq", "equalto", "==": return value == (argument ?? .undefined)
        case "ne": return value != (argument ?? .undefined)
        case "lt", "lessthan": return try JinjaOperators.ordering(value, argument ?? .undefined) < 0
        case "le": return try JinjaOperators.ordering(value, argument ?? .undefined) <= 0
        case "gt", "greaterthan": return try JinjaOperators.ordering(value, argument ?? .undefined) > 0
        case "ge": return try JinjaOperators.ordering(value, argument ?? .undefined) >= 0
        case "in": return try JinjaOperators.contains(argument ?? .undefined, value)
        case "sameas":
            switch (value, argument ?? .undefined) {
            case (.none, .none), (.undefined, .undefined): return true
            case let (.bool(a), .bool(b)): return a == b
            case let (.namespace(a), .namespace(b)): return a === b
            default: return false
            }
        case "lower":
            let s = value.pythonString
            return s == s.lowercased() && s != s.uppercased()
        case "upper":
            let s = value.pythonString
            return s == s.uppercased() && s != s.lowercased()
        case "filter": return JinjaBuiltins.filterNames.contains(value.pythonString)
        case "test": return JinjaBuiltins.testNames.contains(value.pythonString)
        default:
            throw ChatTemplateError(kind: .unknownTest, message: "unknown test '\(name)'")
        }
    }

    // MARK: - Methods

    /// `value.name(args)` for Python's str, dict and list methods; nil if `value` has no such method.
    func callMethod(_ value: JinjaValue, _ name: String, _ args: JinjaCallArguments) throws -> JinjaValue? {
        let a0 = args.positional.first
        switch value {
        case .string(let s):
            switch name {
            case "strip", "lstrip", "rstrip":
                return .string(pythonStrip(s, chars: a0, left: name != "rstrip", right: name != "lstrip"))
            case "upper": return .string(s.uppercased())
            case "lower": return .string(s.lowercased())
            case "title": return .string(pythonTitle(s))
            case "capitalize": return .string(pythonCapitalize(s))
            case "startswith", "endswith":
                var candidates: [JinjaValue] = []
                if case .array(let options)? = a0 { candidates = options } else if let a0 { candidates = [a0] }
                return .bool(candidates.contains {
                    name == "startswith" ? s.hasPrefix($0.pythonString) : s.hasSuffix($0.pythonString)
                })
            case "split", "rsplit":
                let maxSplit = args.value(1, "maxsplit")?.intValue ?? -1
                let separator = args.value(0, "sep")
                if let separator, !separator.isNone {
                    let sep = separator.pythonString
                    guard !sep.isEmpty else { throw JinjaRuntimeError("empty separator") }
                    if name == "rsplit" && maxSplit >= 0 {
                        let reversedParts = String(s.reversed()).jinjaSplit(String(sep.reversed()), maxSplits: maxSplit)
                        return .array(reversedParts.reversed().map { .string(String($0.reversed())) })
                    }
                    return .array(s.jinjaSplit(sep, maxSplits: maxSplit).map { .string($0) })
                }
                let words = s.split(maxSplits: maxSplit < 0 ? Int.max : maxSplit,
                                    whereSeparator: { $0.isWhitespace })
                var parts = words.map { JinjaValue.string(String($0)) }
                if maxSplit >= 0, words.count > maxSplit, case .string(let last)? = parts.last {
                    parts[parts.count - 1] = .string(pythonStrip(last, chars: nil, left: true, right: false))
                }
                return .array(parts)
            case "splitlines":
                return .array(s.split(omittingEmptySubsequences: false, whereSeparator: { $0.isNewline })
                    .map { .string(String($0)) }.dropLastIfEmpty())
            case "replace":
                guard let old = a0, args.positional.count >= 2 else {
                    throw JinjaRuntimeError("replace() needs two arguments")
                }
                return .string(s.jinjaReplacing(old.pythonString, with: args.positional[1].pythonString,
                                                count: args.value(2, "count")?.intValue ?? -1))
            case "find", "index", "rfind":
                let needle = a0?.pythonString ?? ""
                let range = name == "rfind" ? s.ranges(of: needle).last : s.firstRange(of: needle)
                guard let range else {
                    if name == "index" { throw JinjaRuntimeError("substring not found") }
                    return .int(-1)
                }
                return .int(s.distance(from: s.startIndex, to: range.lowerBound))
            case "count":
                return .int(a0.map { s.ranges(of: $0.pythonString).count } ?? 0)
            case "join":
                return .string(try iterate(a0 ?? .array([])).map(\.pythonString).joined(separator: s))
            case "isdigit": return .bool(!s.isEmpty && s.allSatisfy(\.isNumber))
            case "isalpha": return .bool(!s.isEmpty && s.allSatisfy(\.isLetter))
            case "isspace": return .bool(!s.isEmpty && s.allSatisfy(\.isWhitespace))
            case "islower": return .bool(s == s.lowercased() && s != s.uppercased())
            case "isupper": return .bool(s == s.uppercased() && s != s.lowercased())
            default: return nil
            }
        case .dict(let d):
            switch name {
            case "get":
                guard let key = a0 else { throw JinjaRuntimeError("get() needs a key") }
                if case .string(let k) = key, let v = d[k] { return v }
                return args.value(1, "default") ?? JinjaValue.none
            case "items": return .array(d.pairs.map { .array([.string($0.key), $0.value]) })
            case "keys": return .array(d.keys.map { .string($0) })
            case "values": return .array(d.values)
            default: return nil
            }
        case .array(let a):
            switch name {
            case "index":
                guard let a0, let i = a.firstIndex(of: a0) else { throw JinjaRuntimeError("value is not in list") }
                return .int(i)
            case "count": return .int(a.filter { $0 == a0 }.count)
            default: return nil
            }
        default:
            return nil
        }
    }

    // MARK: - Globals

    func callGlobal(_ name: String, _ args: JinjaCallArguments) throws -> JinjaValue {
        switch name {
        case "raise_exception":
            throw ChatTemplateError(kind: .raised, message: args.positional.first?.pythonString ?? "")
        case "strftime_now":
            guard let format = args.value(0, "format") else { throw JinjaRuntimeError("strftime_now needs a format") }
            return .string(Self.strftime(format.pythonString, now))
        case "range":
            let ints = try args.positional.map { v -> Int in
                guard let i = v.intValue else { throw JinjaRuntimeError("range() needs integers") }
                return i
            }
            let (start, stop, step): (Int, Int, Int)
            switch ints.count {
            case 1: (start, stop, step) = (0, ints[0], 1)
            case 2: (start, stop, step) = (ints[0], ints[1], 1)
            case 3: (start, stop, step) = (ints[0], ints[1], ints[2])
            default: throw JinjaRuntimeError("range() takes 1 to 3 arguments")
            }
            guard step != 0 else { throw JinjaRuntimeError("range() step must not be zero") }
            let span = (Double(stop) - Double(start)) / Double(step)
            guard span <= 1_000_000 else { throw JinjaRuntimeError("range() too large") }
            let count = max(0, Int(span.rounded(.up)))
            return .array((0..<count).map { .int(start + $0 * step) })
        case "namespace", "dict":
            var attributes = JinjaDict()
            for positional in args.positional {
                guard case .dict(let d) = positional else { throw JinjaRuntimeError("\(name)() takes a mapping") }
                for (k, v) in d { attributes[k] = v }
            }
            for (k, v) in args.keyword { attributes[k] = v }
            return name == "dict" ? .dict(attributes) : .namespace(JinjaNamespace(attributes))
        default:
            throw JinjaRuntimeError("'\(name)' is not callable")
        }
    }

    // MARK: - String helpers

    /// Python's `str.isspace` set: Unicode White_Space plus the ASCII separators 0x1C-0x1F.
    private static func isPythonSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isWhitespace || (0x1C...0x1F).contains(scalar.value)
    }

    func pythonStrip(_ s: String, chars: JinjaValue?, left: Bool, right: Bool) -> String {
        let scalars = Array(s.unicodeScalars)
        let strip: (Unicode.Scalar) -> Bool
        if let chars, !chars.isNone, !chars.isUndefined {
            let set = Set(chars.pythonString.unicodeScalars)
            strip = { set.contains($0) }
        } else {
            strip = Self.isPythonSpace
        }
        var lo = 0, hi = scalars.count
        if left { while lo < hi, strip(scalars[lo]) { lo += 1 } }
        if right { while hi > lo, strip(scalars[hi - 1]) { hi -= 1 } }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[lo..<hi])
        return String(view)
    }

    func pythonCapitalize(_ s: String) -> String {
        guard let first = s.first else { return s }
        return String(first).uppercased() + s.dropFirst().lowercased()
    }

    /// Python's `str.title()`: a letter is uppercased when it follows a non-letter.
    func pythonTitle(_ s: String) -> String {
        var out = ""
        var previousIsLetter = false
        for c in s {
            out += previousIsLetter ? String(c).lowercased() : String(c).uppercased()
            previousIsLetter = c.isLetter
        }
        return out
    }

    /// jinja2's `title` filter: words start after whitespace, `-`, and opening brackets.
    func jinjaTitle(_ s: String) -> String {
        var out = ""
        var atWordStart = true
        for c in s {
            let isBoundary = c.isWhitespace || "-({[<".contains(c)
            if isBoundary {
                out.append(c)
                atWordStart = true
            } else {
                out += atWordStart ? String(c).uppercased() : String(c).lowercased()
                atWordStart = false
            }
        }
        return out
    }

    func htmlEscape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&#34;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    /// The subset of C `strftime` that templates use, in the local time zone, C locale.
    static func strftime(_ format: String, _ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone.current
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let dayOfYear = calendar.ordinality(of: .day, in: .year, for: date) ?? 1
        let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                      "October", "November", "December"]
        let days = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
        let year = c.year ?? 1970, month = c.month ?? 1, day = c.day ?? 1
        let hour = c.hour ?? 0, minute = c.minute ?? 0, second = c.second ?? 0, weekday = (c.weekday ?? 1) - 1
        var out = ""
        var chars = Array(format)[...]
        while let ch = chars.popFirst() {
            guard ch == "%", var spec = chars.popFirst() else { out.append(ch); continue }
            var pad = true
            if spec == "-", let next = chars.popFirst() { pad = false; spec = next }
            func num(_ v: Int, _ width: Int) -> String {
                let s = String(v)
                return pad ? String(repeating: "0", count: max(0, width - s.count)) + s : s
            }
            switch spec {
            case "Y": out += String(year)
            case "y": out += num(year % 100, 2)
            case "m": out += num(month, 2)
            case "d": out += num(day, 2)
            case "e": out += pad ? (day < 10 ? " " : "") + String(day) : String(day)
            case "H": out += num(hour, 2)
            case "I": out += num(hour % 12 == 0 ? 12 : hour % 12, 2)
            case "M": out += num(minute, 2)
            case "S": out += num(second, 2)
            case "p": out += hour < 12 ? "AM" : "PM"
            case "j": out += num(dayOfYear, 3)
            case "b", "h": out += String(months[month - 1].prefix(3))
            case "B": out += months[month - 1]
            case "a": out += String(days[weekday].prefix(3))
            case "A": out += days[weekday]
            case "w": out += String(weekday)
            case "F": out += "\(year)-\(num(month, 2))-\(num(day, 2))"
            case "%": out += "%"
            default: out += "%" + String(spec)
            }
        }
        return out
    }
}

extension Array {
    mutating func sortThrowing(by areInIncreasingOrder: (Element, Element) throws -> Bool) throws {
        var failure: Error? = nil
        sort { a, b in
            if failure != nil { return false }
            do { return try areInIncreasingOrder(a, b) } catch {
                failure = error
                return false
            }
        }
        if let failure { throw failure }
    }

    func dropLastIfEmpty() -> [Element] where Element == JinjaValue {
        if let last, last == .string("") { return Array(dropLast()) }
        return self
    }
}
