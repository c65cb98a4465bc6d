import Foundation

// Tests, methods on strings/dicts/lists, and the globals transformers provides
// (`raise_exception`, `strftime_now`) plus jinja2's own (`range`, `namespace`, `dict`).

extension JinjaInterpreter {
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
            throw JinjaError(kind: .unknownTest, message: "unknown test '\(name)'")
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
            throw JinjaError(kind: .raised, message: args.positional.first?.pythonString ?? "")
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
