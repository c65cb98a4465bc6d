import Foundation

// Arithmetic, concatenation and comparison with Python's rules: int/float promotion, floor division and
// modulo that round toward negative infinity, `+` on strings and lists, `*` for repetition.

enum JinjaOperators {
    static func binary(_ op: String, _ l: JinjaValue, _ r: JinjaValue) throws -> JinjaValue {
        if op == "~" { return .string(l.pythonString + r.pythonString) }
        if l.isUndefined || r.isUndefined {
            throw JinjaRuntimeError("undefined value used with '\(op)' "
                + "(\(l.isUndefined ? "left" : "right") operand is undefined)")
        }
        switch (op, l, r) {
        case ("+", .string(let a), .string(let b)): return .string(a + b)
        case ("+", .array(let a), .array(let b)): return .array(a + b)
        case ("*", .string(let s), _) where r.intValue != nil: return .string(try repeated(s, r.intValue!))
        case ("*", _, .string(let s)) where l.intValue != nil: return .string(try repeated(s, l.intValue!))
        case ("*", .array(let a), _) where r.intValue != nil:
            let n = max(0, r.intValue!)
            let total = a.count.multipliedReportingOverflow(by: n)
            guard !total.overflow, total.partialValue <= maxRepetition else {
                throw JinjaRuntimeError("list repetition too large")
            }
            return .array(Array([[JinjaValue]](repeating: a, count: n).joined()))
        case ("%", .string, _):
            throw JinjaRuntimeError("printf-style string formatting ('%') is not supported")
        default: break
        }
        if let a = l.intValue, let b = r.intValue {
            switch op {
            case "+": return try checked(a.addingReportingOverflow(b))
            case "-": return try checked(a.subtractingReportingOverflow(b))
            case "*": return try checked(a.multipliedReportingOverflow(by: b))
            case "/":
                guard b != 0 else { throw JinjaRuntimeError("division by zero") }
                return .double(Double(a) / Double(b))
            case "//":
                guard b != 0 else { throw JinjaRuntimeError("integer division or modulo by zero") }
                if b == -1 { return try checked(0.subtractingReportingOverflow(a)) }
                let q = a / b
                return .int((a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q)
            case "%":
                guard b != 0 else { throw JinjaRuntimeError("integer division or modulo by zero") }
                if b == -1 { return .int(0) }
                let m = a % b
                return .int(m != 0 && (m < 0) != (b < 0) ? m + b : m)
            case "**":
                if b >= 0 {  // exponentiation by squaring, failing on overflow
                    var result = 1, base = a, exponent = b
                    while exponent > 0 {
                        if exponent & 1 == 1 {
                            let (v, o) = result.multipliedReportingOverflow(by: base)
                            if o { throw JinjaRuntimeError("integer overflow in '**'") }
                            result = v
                        }
                        exponent >>= 1
                        if exponent > 0 {
                            let (v, o) = base.multipliedReportingOverflow(by: base)
                            if o { throw JinjaRuntimeError("integer overflow in '**'") }
                            base = v
                        }
                    }
                    return .int(result)
                }
                return .double(pow(Double(a), Double(b)))
            default: break
            }
        }
        if let a = l.numericValue, let b = r.numericValue {
            switch op {
            case "+": return .double(a + b)
            case "-": return .double(a - b)
            case "*": return .double(a * b)
            case "/":
                guard b != 0 else { throw JinjaRuntimeError("float division by zero") }
                return .double(a / b)
            case "//":
                guard b != 0 else { throw JinjaRuntimeError("float floor division by zero") }
                return .double((a / b).rounded(.down))
            case "%":
                guard b != 0 else { throw JinjaRuntimeError("float modulo by zero") }
                let m = fmod(a, b)
                return .double(m != 0 && (m < 0) != (b < 0) ? m + b : m)
            case "**": return .double(pow(a, b))
            default: break
            }
        }
        if op == "+", case .string = l {
            throw JinjaRuntimeError("can only concatenate str (not \"\(r.typeName)\") to str")
        }
        throw JinjaRuntimeError("unsupported operand type(s) for \(op): '\(l.typeName)' and '\(r.typeName)'")
    }

    private static func checked(_ r: (partialValue: Int, overflow: Bool)) throws -> JinjaValue {
        if r.overflow { throw JinjaRuntimeError("integer overflow") }
        return .int(r.partialValue)
    }

    /// Largest string or list a repetition may build; beyond it a template is hostile, not a prompt.
    static let maxRepetition = 10_000_000

    private static func repeated(_ s: String, _ n: Int) throws -> String {
        guard n > 0 else { return "" }
        guard s.utf8.count.multipliedReportingOverflow(by: n).partialValue <= maxRepetition,
              !s.utf8.count.multipliedReportingOverflow(by: n).overflow
        else { throw JinjaRuntimeError("string repetition too large") }
        return String(repeating: s, count: n)
    }

    static func compare(_ op: String, _ l: JinjaValue, _ r: JinjaValue) throws -> Bool {
        switch op {
        case "==": return l == r
        case "!=": return l != r
        case "in": return try contains(r, l)
        case "not in": return try !contains(r, l)
        default:
            let order = try ordering(l, r, op)
            switch op {
            case "<": return order < 0
            case "<=": return order <= 0
            case ">": return order > 0
            default: return order >= 0
            }
        }
    }

    /// Python's `needle in container`.
    static func contains(_ container: JinjaValue, _ needle: JinjaValue) throws -> Bool {
        switch container {
        case .string(let s):
            guard case .string(let n) = needle else {
                throw JinjaRuntimeError("'in <string>' requires string as left operand, not \(needle.typeName)")
            }
            return n.isEmpty || s.contains(n)
        case .array(let a): return a.contains(needle)
        case .dict(let d):
            if case .string(let k) = needle { return d[k] != nil }
            return false
        case .namespace(let ns):
            if case .string(let k) = needle { return ns.attributes[k] != nil }
            return false
        case .undefined: return false
        default: throw JinjaRuntimeError("argument of type '\(container.typeName)' is not iterable")
        }
    }

    /// -1, 0, 1 as Python orders numbers, strings (by code point) and lists.
    static func ordering(_ l: JinjaValue, _ r: JinjaValue, _ op: String = "<") throws -> Int {
        if let a = l.numericValue, let b = r.numericValue { return a < b ? -1 : (a > b ? 1 : 0) }
        switch (l, r) {
        case let (.string(a), .string(b)):
            let x = Array(a.unicodeScalars).map(\.value), y = Array(b.unicodeScalars).map(\.value)
            return x.lexicographicallyPrecedes(y) ? -1 : (x == y ? 0 : 1)
        case let (.array(a), .array(b)):
            for (x, y) in zip(a, b) where x != y { return try ordering(x, y, op) }
            return a.count < b.count ? -1 : (a.count > b.count ? 1 : 0)
        default:
            throw JinjaRuntimeError("'\(op)' not supported between instances of '\(l.typeName)' and '\(r.typeName)'")
        }
    }

    /// The positions selected by Python's `seq[start:stop:step]`.
    static func sliceIndices(start: Int?, stop: Int?, step: Int, count: Int) throws -> [Int] {
        guard step != 0 else { throw JinjaRuntimeError("slice step cannot be zero") }
        func clamp(_ v: Int?, _ defaultValue: Int, low: Int, high: Int) -> Int {
            guard var v else { return defaultValue }
            if v < 0 { v += count }
            return min(max(v, low), high)
        }
        var indices: [Int] = []
        if step > 0 {
            var i = clamp(start, 0, low: 0, high: count)
            let end = clamp(stop, count, low: 0, high: count)
            while i < end {
                indices.append(i)
                let (next, overflow) = i.addingReportingOverflow(step)
                if overflow { break }
                i = next
            }
        } else {
            var i = clamp(start, count - 1, low: -1, high: count - 1)
            let end = clamp(stop, -1, low: -1, high: count - 1)
            while i > end {
                indices.append(i)
                let (next, overflow) = i.addingReportingOverflow(step)
                if overflow { break }
                i = next
            }
        }
        return indices
    }
}
