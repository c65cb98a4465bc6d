// Expressions, following jinja2's grammar and operator precedence:
// conditional < or < and < not < comparisons < + - < ~ < * / // % < ** < unary < postfix/filters/tests.

extension JinjaParser {
    // MARK: - Expressions

    /// An expression, or an unparenthesized tuple `a, b` (allowed in `{{ }}`, `set` and `for`).
    mutating func parseTuple(withCondition: Bool = true) throws -> JinjaExpr {
        let first = withCondition ? try parseExpression() : try parseOr()
        guard isOp(",") else { return first }
        var items = [first]
        while skipOp(",") {
            if current.kind == .blockEnd || current.kind == .variableEnd || isOp(")") { break }
            items.append(withCondition ? try parseExpression() : try parseOr())
        }
        return .list(items)
    }

    mutating func parseExpression() throws -> JinjaExpr {
        try enter(current.position)
        defer { depth -= 1 }
        var expr = try parseOr()
        while skipName("if") {
            let condition = try parseOr()
            let otherwise: JinjaExpr? = skipName("else") ? try parseExpression() : nil
            expr = .conditional(then: expr, condition: condition, otherwise: otherwise)
        }
        return expr
    }

    mutating func parseOr() throws -> JinjaExpr {
        var left = try parseAnd()
        while isName("or") {
            let p = advance().position
            left = .binary("or", left, try parseAnd(), p)
        }
        return left
    }

    mutating func parseAnd() throws -> JinjaExpr {
        var left = try parseNot()
        while isName("and") {
            let p = advance().position
            left = .binary("and", left, try parseNot(), p)
        }
        return left
    }

    mutating func parseNot() throws -> JinjaExpr {
        if isName("not") {
            try enter(current.position)
            defer { depth -= 1 }
            let p = advance().position
            return .unary("not", try parseNot(), p)
        }
        return try parseCompare()
    }

    mutating func parseCompare() throws -> JinjaExpr {
        let position = current.position
        let left = try parseMath1()
        var ops: [(String, JinjaExpr)] = []
        while true {
            if case .op(let op) = current.kind, ["==", "!=", "<", ">", "<=", ">="].contains(op) {
                _ = advance()
                ops.append((op, try parseMath1()))
            } else if isName("in") {
                _ = advance()
                ops.append(("in", try parseMath1()))
            } else if isName("not"), peekKind == .name("in") {
                _ = advance(); _ = advance()
                ops.append(("not in", try parseMath1()))
            } else {
                break
            }
        }
        return ops.isEmpty ? left : .compare(left, ops, position)
    }

    mutating func parseMath1() throws -> JinjaExpr {
        var left = try parseConcat()
        while case .op(let op) = current.kind, op == "+" || op == "-" {
            let p = advance().position
            left = .binary(op, left, try parseConcat(), p)
        }
        return left
    }

    mutating func parseConcat() throws -> JinjaExpr {
        var left = try parseMath2()
        while isOp("~") {
            let p = advance().position
            left = .binary("~", left, try parseMath2(), p)
        }
        return left
    }

    mutating func parseMath2() throws -> JinjaExpr {
        var left = try parsePow()
        while case .op(let op) = current.kind, ["*", "/", "//", "%"].contains(op) {
            let p = advance().position
            left = .binary(op, left, try parsePow(), p)
        }
        return left
    }

    mutating func parsePow() throws -> JinjaExpr {
        var left = try parseUnary()
        while isOp("**") {
            let p = advance().position
            left = .binary("**", left, try parseUnary(), p)
        }
        return left
    }

    mutating func parseUnary(withFilter: Bool = true) throws -> JinjaExpr {
        var node: JinjaExpr
        if case .op(let op) = current.kind, op == "-" || op == "+" {
            try enter(current.position)
            defer { depth -= 1 }
            let p = advance().position
            node = .unary(op, try parseUnary(withFilter: false), p)
        } else {
            node = try parsePrimary()
        }
        node = try parsePostfix(node)
        if withFilter { node = try parseFilterExpression(node) }
        return node
    }

    mutating func parsePrimary() throws -> JinjaExpr {
        let token = current
        switch token.kind {
        case .name(let n):
            _ = advance()
            switch n {
            case "true", "True": return .literal(.bool(true))
            case "false", "False": return .literal(.bool(false))
            case "none", "None": return .literal(.none)
            default: return .name(n, token.position)
            }
        case .string(var s):
            _ = advance()
            while case .string(let more) = current.kind {  // adjacent literals concatenate
                s += more
                _ = advance()
            }
            return .literal(.string(s))
        case .integer(let i):
            _ = advance()
            return .literal(.int(i))
        case .float(let d):
            _ = advance()
            return .literal(.double(d))
        case .op("("):
            _ = advance()
            if skipOp(")") { return .list([]) }
            let first = try parseExpression()
            if skipOp(")") { return first }
            var items = [first]
            while skipOp(",") {
                if isOp(")") { break }
                items.append(try parseExpression())
            }
            try expectOp(")")
            return .list(items)
        case .op("["):
            _ = advance()
            var items: [JinjaExpr] = []
            while !isOp("]") {
                if !items.isEmpty { try expectOp(",") }
                if isOp("]") { break }
                items.append(try parseExpression())
            }
            try expectOp("]")
            return .list(items)
        case .op("{"):
            _ = advance()
            var pairs: [(JinjaExpr, JinjaExpr)] = []
            while !isOp("}") {
                if !pairs.isEmpty { try expectOp(",") }
                if isOp("}") { break }
                let key = try parseExpression()
                try expectOp(":")
                pairs.append((key, try parseExpression()))
            }
            try expectOp("}")
            return .dict(pairs)
        default:
            throw error("unexpected \(describe(token.kind)) in expression", at: token.position)
        }
    }

    mutating func parsePostfix(_ start: JinjaExpr) throws -> JinjaExpr {
        var node = start
        while true {
            if isOp(".") {
                let p = advance().position
                if case .integer(let i) = current.kind {  // `foo.0`
                    _ = advance()
                    node = .item(node, .literal(.int(i)), p)
                } else {
                    node = .attribute(node, try expectName(), p)
                }
            } else if isOp("[") {
                let p = advance().position
                node = try parseSubscript(node, at: p)
            } else if isOp("(") {
                let p = current.position
                node = .call(node, try parseCallArguments(), p)
            } else {
                return node
            }
        }
    }

    mutating func parseSubscript(_ target: JinjaExpr, at position: JinjaSourcePosition) throws -> JinjaExpr {
        var parts: [JinjaExpr?] = [nil]
        var sawColon = false
        if !isOp(":") { parts[0] = try parseExpression() }
        while skipOp(":") {
            sawColon = true
            parts.append(isOp(":") || isOp("]") ? nil : try parseExpression())
        }
        try expectOp("]")
        if !sawColon, let index = parts[0] { return .item(target, index, position) }
        guard parts.count <= 3 else { throw error("invalid slice", at: position) }
        return .slice(target, start: parts[0], stop: parts.count > 1 ? parts[1] : nil,
                      step: parts.count > 2 ? parts[2] : nil, position)
    }

    mutating func parseCallArguments() throws -> JinjaArguments {
        try expectOp("(")
        var arguments = JinjaArguments()
        var first = true
        while !isOp(")") {
            if !first { try expectOp(",") }
            first = false
            if isOp(")") { break }
            if case .name(let n) = current.kind, peekKind == .op("=") {
                _ = advance(); _ = advance()
                arguments.keyword.append((n, try parseExpression()))
            } else {
                if !arguments.keyword.isEmpty {
                    throw error("positional argument follows keyword argument", at: current.position)
                }
                arguments.positional.append(try parseExpression())
            }
        }
        try expectOp(")")
        return arguments
    }

    mutating func parseFilterExpression(_ start: JinjaExpr) throws -> JinjaExpr {
        var node = start
        while true {
            if isOp("|") {
                _ = advance()
                let position = current.position
                var name = try expectName()
                while isOp("."), case .name = peekKind {  // dotted filter names
                    _ = advance()
                    name += "." + (try expectName())
                }
                guard JinjaBuiltins.filterNames.contains(name) else {
                    throw error("unknown filter '\(name)'", at: position, kind: .unknownFilter)
                }
                let arguments = isOp("(") ? try parseCallArguments() : JinjaArguments()
                node = .filter(node, name, arguments, position)
            } else if isName("is") {
                _ = advance()
                let negated = skipName("not")
                let position = current.position
                var name = try expectName()
                while isOp("."), case .name = peekKind {
                    _ = advance()
                    name += "." + (try expectName())
                }
                guard JinjaBuiltins.testNames.contains(name) else {
                    throw error("unknown test '\(name)'", at: position, kind: .unknownTest)
                }
                var arguments = JinjaArguments()
                if isOp("(") {
                    arguments = try parseCallArguments()
                } else if startsTestArgument() {
                    arguments.positional = [try parsePostfix(try parsePrimary())]
                }
                node = .test(node, name, arguments, negated: negated, position)
            } else if isOp("(") {
                let p = current.position
                node = .call(node, try parseCallArguments(), p)
            } else {
                return node
            }
        }
    }

    /// jinja2 lets a test take one argument without parentheses: `x is divisibleby 3`.
    func startsTestArgument() -> Bool {
        switch current.kind {
        case .name(let n): return !["else", "or", "and", "is", "if", "in", "not"].contains(n)
        case .string, .integer, .float: return true
        case .op(let o): return o == "[" || o == "{"
        default: return false
        }
    }
}
