import Foundation

// Tree-walking evaluation of a parsed template. Scoping follows jinja2: `for` bodies and macros get their
// own scope (a `set` inside a loop does not leak out), `if` does not; `namespace()` objects are the way
// to carry state out of a loop.

final class JinjaInterpreter {
    enum Flow { case normal, breakLoop, continueLoop }

    private var scopes: [[String: JinjaValue]]
    private var macros: [String: JinjaMacro] = [:]
    private var macroDepth = 0
    private var evaluationDepth = 0
    /// Deepest expression nesting evaluated; far beyond real templates, well within a thread's stack.
    static let maxEvaluationDepth = 256
    let now: Date

    static let globalFunctions: Set<String> = ["raise_exception", "strftime_now", "range", "namespace", "dict"]

    init(context: [String: JinjaValue], now: Date) {
        scopes = [context]
        self.now = now
    }

    func render(_ nodes: [JinjaNode]) throws -> String {
        var out = ""
        _ = try execute(nodes, into: &out)
        return out
    }

    // MARK: - Variables

    func lookup(_ name: String) -> JinjaValue {
        for scope in scopes.reversed() {
            if let v = scope[name] { return v }
        }
        if macros[name] != nil || Self.globalFunctions.contains(name) { return .function(name) }
        return .undefined
    }

    private func assign(_ name: String, _ value: JinjaValue) {
        scopes[scopes.count - 1][name] = value
    }

    // MARK: - Statements

    func execute(_ nodes: [JinjaNode], into out: inout String) throws -> Flow {
        for node in nodes {
            switch node {
            case .text(let s):
                out += s
            case .output(let expr, let position):
                do {
                    out += try evaluate(expr).pythonString
                } catch let e as JinjaError { throw e.at(position) }
            case .ifBlock(let branches, let otherwise):
                var taken = false
                for (condition, body) in branches where try evaluate(condition).isTruthy {
                    taken = true
                    let flow = try execute(body, into: &out)
                    if flow != .normal { return flow }
                    break
                }
                if !taken {
                    let flow = try execute(otherwise, into: &out)
                    if flow != .normal { return flow }
                }
            case .forLoop(let loop):
                try executeFor(loop, into: &out)
            case .set(let target, let expr, let position):
                let value = try evaluate(expr)
                switch target {
                case .name(let name):
                    assign(name, value)
                case .names(let names):
                    let items = try iterate(value, at: position)
                    guard items.count == names.count else {
                        throw JinjaError(kind: .runtime,
                            message: "cannot unpack \(items.count) values into \(names.count) names",
                            line: position.line, column: position.column)
                    }
                    for (n, v) in zip(names, items) { assign(n, v) }
                case .attribute(let name, let attribute, let position):
                    guard case .namespace(let ns) = lookup(name) else {
                        throw JinjaError(kind: .runtime,
                            message: "cannot assign attribute '\(attribute)' on '\(name)': it is not a namespace",
                            line: position.line, column: position.column)
                    }
                    ns.attributes[attribute] = value
                }
            case .setBlock(let name, let body):
                var captured = ""
                _ = try execute(body, into: &captured)
                assign(name, .string(captured))
            case .macro(let macro):
                macros[macro.name] = macro
                assign(macro.name, .function(macro.name))
            case .filterBlock(let name, let arguments, let body, let position):
                var captured = ""
                _ = try execute(body, into: &captured)
                do {
                    let args = try evaluateArguments(arguments)
                    out += try applyFilter(name, to: .string(captured), args).pythonString
                } catch let e as JinjaError { throw e.at(position) }
            case .breakLoop:
                return .breakLoop
            case .continueLoop:
                return .continueLoop
            case .group(let body):
                let flow = try execute(body, into: &out)
                if flow != .normal { return flow }
            }
        }
        return .normal
    }

    private func executeFor(_ loop: JinjaForLoop, into out: inout String) throws {
        let iterable = try evaluate(loop.iterable)
        var items = try iterate(iterable, at: loop.position)
        scopes.append([:])
        defer { scopes.removeLast() }
        if let condition = loop.condition {
            // The inline `if` filters before the loop runs, so `loop.length` and `loop.last` count kept items.
            items = try items.filter { item in
                try bindTargets(loop.targets, item, at: loop.position)
                return try evaluate(condition).isTruthy
            }
        }
        if items.isEmpty {
            _ = try execute(loop.otherwise, into: &out)
            return
        }
        let count = items.count
        for (i, item) in items.enumerated() {
            try bindTargets(loop.targets, item, at: loop.position)
            var info = JinjaDict()
            info["index"] = .int(i + 1)
            info["index0"] = .int(i)
            info["revindex"] = .int(count - i)
            info["revindex0"] = .int(count - i - 1)
            info["first"] = .bool(i == 0)
            info["last"] = .bool(i == count - 1)
            info["length"] = .int(count)
            info["depth"] = .int(1)
            info["depth0"] = .int(0)
            info["previtem"] = i > 0 ? items[i - 1] : .undefined
            info["nextitem"] = i + 1 < count ? items[i + 1] : .undefined
            info["cycle"] = .function("loop.cycle")
            assign("loop", .dict(info))
            if try execute(loop.body, into: &out) == .breakLoop { break }
        }
    }

    private func bindTargets(_ targets: [String], _ item: JinjaValue, at position: JinjaSourcePosition) throws {
        if targets.count == 1 {
            assign(targets[0], item)
            return
        }
        let parts = try iterate(item, at: position)
        guard parts.count == targets.count else {
            throw JinjaError(kind: .runtime,
                message: "cannot unpack \(parts.count) values into \(targets.count) loop variables",
                line: position.line, column: position.column)
        }
        for (name, value) in zip(targets, parts) { assign(name, value) }
    }

    /// What a `for` loop sees: list items, dict keys, string characters; undefined iterates as empty.
    func iterate(_ value: JinjaValue, at position: JinjaSourcePosition? = nil) throws -> [JinjaValue] {
        switch value {
        case .array(let a): return a
        case .dict(let d): return d.keys.map { .string($0) }
        case .string(let s): return s.map { .string(String($0)) }
        case .undefined: return []
        default:
            let e = JinjaRuntimeError("'\(value.typeName)' object is not iterable")
            throw position.map { e.at($0) } ?? e
        }
    }

    // MARK: - Expressions

    func evaluate(_ expr: JinjaExpr) throws -> JinjaValue {
        evaluationDepth += 1
        defer { evaluationDepth -= 1 }
        guard evaluationDepth <= Self.maxEvaluationDepth else {
            throw JinjaRuntimeError("expression nests too deeply (more than \(Self.maxEvaluationDepth) levels)")
        }
        switch expr {
        case .literal(let v):
            return v
        case .name(let n, _):
            return lookup(n)
        case .list(let items):
            return .array(try items.map { try evaluate($0) })
        case .dict(let pairs):
            var d = JinjaDict()
            for (k, v) in pairs {
                let key = try evaluate(k)
                guard case .string(let ks) = key else {
                    throw JinjaRuntimeError("only string keys are supported in dict literals, got \(key.typeName)")
                }
                d[ks] = try evaluate(v)
            }
            return .dict(d)
        case .attribute(let base, let name, let position):
            return attribute(of: try evaluate(base), name, at: position)
        case .item(let base, let index, let position):
            return try item(of: evaluate(base), try evaluate(index), at: position)
        case .slice(let base, let start, let stop, let step, let position):
            do {
                return try slice(try evaluate(base), start: start.map(evaluate), stop: stop.map(evaluate),
                                 step: step.map(evaluate))
            } catch let e as JinjaError { throw e.at(position) }
        case .call(let callee, let arguments, let position):
            do {
                return try evaluateCall(callee, arguments)
            } catch let e as JinjaError { throw e.at(position) }
        case .filter(let base, let name, let arguments, let position):
            do {
                let value = try evaluate(base)
                return try applyFilter(name, to: value, try evaluateArguments(arguments))
            } catch let e as JinjaError { throw e.at(position) }
        case .test(let base, let name, let arguments, let negated, let position):
            do {
                let value = try evaluate(base)
                let result = try applyTest(name, to: value, try evaluateArguments(arguments))
                return .bool(result != negated)
            } catch let e as JinjaError { throw e.at(position) }
        case .unary(let op, let operand, let position):
            let value = try evaluate(operand)
            switch (op, value) {
            case ("not", _): return .bool(!value.isTruthy)
            case ("-", .int(let i)):
                let (v, overflow) = 0.subtractingReportingOverflow(i)
                if overflow { throw JinjaRuntimeError("integer overflow").at(position) }
                return .int(v)
            case ("-", .double(let d)): return .double(-d)
            case ("-", .bool(let b)): return .int(b ? -1 : 0)
            case ("+", .int), ("+", .double): return value
            case ("+", .bool(let b)): return .int(b ? 1 : 0)
            default:
                throw JinjaError(kind: .runtime, message: "bad operand type for unary \(op): '\(value.typeName)'",
                                        line: position.line, column: position.column)
            }
        case .binary(let op, let lhs, let rhs, let position):
            if op == "and" {
                let l = try evaluate(lhs)
                return l.isTruthy ? try evaluate(rhs) : l
            }
            if op == "or" {
                let l = try evaluate(lhs)
                return l.isTruthy ? l : try evaluate(rhs)
            }
            do {
                return try JinjaOperators.binary(op, try evaluate(lhs), try evaluate(rhs))
            } catch let e as JinjaError { throw e.at(position) }
        case .compare(let first, let rest, let position):
            var left = try evaluate(first)
            for (op, rhsExpr) in rest {
                let right = try evaluate(rhsExpr)
                let ok: Bool
                do {
                    ok = try JinjaOperators.compare(op, left, right)
                } catch let e as JinjaError { throw e.at(position) }
                if !ok { return .bool(false) }
                left = right
            }
            return .bool(true)
        case .conditional(let then, let condition, let otherwise):
            if try evaluate(condition).isTruthy { return try evaluate(then) }
            return try otherwise.map { try evaluate($0) } ?? .undefined
        }
    }

    func evaluateArguments(_ arguments: JinjaArguments) throws -> JinjaCallArguments {
        var args = JinjaCallArguments()
        args.positional = try arguments.positional.map { try evaluate($0) }
        for (k, v) in arguments.keyword { args.keyword.append((k, try evaluate(v))) }
        return args
    }

    /// `obj.name`: a dict key or namespace attribute; anything missing is undefined (jinja2's getattr
    /// falls back to undefined too; unlike jinja2 we are lenient about attributes of undefined).
    func attribute(of value: JinjaValue, _ name: String, at position: JinjaSourcePosition? = nil) -> JinjaValue {
        switch value {
        case .dict(let d): return d[name] ?? .undefined
        case .namespace(let ns): return ns.attributes[name] ?? .undefined
        default: return .undefined
        }
    }

    /// `obj[key]`: list and string indexing (negative counts from the end), dict and namespace lookup.
    func item(of value: JinjaValue, _ key: JinjaValue, at position: JinjaSourcePosition? = nil) throws -> JinjaValue {
        switch (value, key) {
        case (.array(let a), _):
            guard let i = key.intValue else { return .undefined }
            let j = i < 0 ? a.count + i : i
            return j >= 0 && j < a.count ? a[j] : .undefined
        case (.string(let s), _):
            guard let i = key.intValue else { return .undefined }
            let chars = Array(s)
            let j = i < 0 ? chars.count + i : i
            return j >= 0 && j < chars.count ? .string(String(chars[j])) : .undefined
        case (.dict(let d), .string(let k)): return d[k] ?? .undefined
        case (.namespace(let ns), .string(let k)): return ns.attributes[k] ?? .undefined
        default: return .undefined
        }
    }

    private func slice(_ value: JinjaValue, start: JinjaValue?, stop: JinjaValue?, step: JinjaValue?) throws
        -> JinjaValue
    {
        func bound(_ v: JinjaValue?) throws -> Int? {
            guard let v, !v.isNone, !v.isUndefined else { return nil }
            guard let i = v.intValue else { throw JinjaRuntimeError("slice indices must be integers or None") }
            return i
        }
        let indices = try JinjaOperators.sliceIndices(start: bound(start), stop: bound(stop), step: bound(step) ?? 1,
                                                      count: value.sliceCount)
        switch value {
        case .array(let a): return .array(indices.map { a[$0] })
        case .string(let s):
            let chars = Array(s)
            return .string(String(indices.map { chars[$0] }))
        case .undefined: return .undefined
        default: throw JinjaRuntimeError("'\(value.typeName)' object is not subscriptable")
        }
    }

    // MARK: - Calls

    private func evaluateCall(_ callee: JinjaExpr, _ arguments: JinjaArguments) throws -> JinjaValue {
        if case .attribute(let baseExpr, let name, _) = callee {
            let base = try evaluate(baseExpr)
            let args = try evaluateArguments(arguments)
            if case .dict(let d) = base, name == "cycle", d["cycle"] == .function("loop.cycle") {
                guard !args.positional.isEmpty, case .int(let i) = d["index0"] ?? .int(0) else {
                    throw JinjaRuntimeError("loop.cycle() needs at least one argument")
                }
                return args.positional[i % args.positional.count]
            }
            if let result = try callMethod(base, name, args) { return result }
            return try call(attribute(of: base, name), args, describedAs: name)
        }
        let function = try evaluate(callee)
        var description = "expression"
        if case .name(let n, _) = callee { description = n }
        return try call(function, try evaluateArguments(arguments), describedAs: description)
    }

    func call(_ function: JinjaValue, _ args: JinjaCallArguments, describedAs name: String) throws -> JinjaValue {
        guard case .function(let fname) = function else {
            if function.isUndefined { throw JinjaRuntimeError("'\(name)' is undefined and cannot be called") }
            throw JinjaRuntimeError("'\(function.typeName)' object is not callable")
        }
        if let macro = macros[fname] { return try callMacro(macro, args) }
        return try callGlobal(fname, args)
    }

    private func callMacro(_ macro: JinjaMacro, _ args: JinjaCallArguments) throws -> JinjaValue {
        guard macroDepth < 64 else { throw JinjaRuntimeError("macro '\(macro.name)' recursed too deeply") }
        guard args.positional.count <= macro.parameters.count else {
            throw JinjaRuntimeError("macro '\(macro.name)' takes \(macro.parameters.count) arguments, "
                + "\(args.positional.count) given")
        }
        var locals: [String: JinjaValue] = [:]
        for (i, (name, defaultExpr)) in macro.parameters.enumerated() {
            if i < args.positional.count {
                locals[name] = args.positional[i]
            } else if let v = args.keywordValue(name) {
                locals[name] = v
            } else if let defaultExpr {
                locals[name] = try evaluate(defaultExpr)
            } else {
                locals[name] = .undefined
            }
        }
        let saved = scopes
        scopes = [scopes[0], locals]
        macroDepth += 1
        defer {
            scopes = saved
            macroDepth -= 1
        }
        var out = ""
        _ = try execute(macro.body, into: &out)
        return .string(out)
    }
}

/// Evaluated arguments of a call, filter or test.
struct JinjaCallArguments {
    var positional: [JinjaValue] = []
    var keyword: [(String, JinjaValue)] = []

    func keywordValue(_ name: String) -> JinjaValue? {
        keyword.first { $0.0 == name }?.1
    }

    /// The argument at `index` (after any implicit first argument) or named `name`.
    func value(_ index: Int, _ name: String) -> JinjaValue? {
        index < positional.count ? positional[index] : keywordValue(name)
    }
}

extension JinjaValue {
    var sliceCount: Int {
        switch self {
        case .array(let a): return a.count
        case .string(let s): return s.count
        default: return 0
        }
    }
}
