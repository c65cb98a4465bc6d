// Recursive-descent parser over lexer tokens, following jinja2's grammar and operator precedence:
// conditional < or < and < not < comparisons < + - < ~ < * / // % < ** < unary < postfix/filters/tests.

struct JinjaParser {
    private let tokens: [JinjaToken]
    private var index = 0
    /// Nesting of blocks and parenthesized expressions; bounded so a hostile template cannot overflow the stack.
    private var depth = 0
    private static let maxDepth = 64

    static func parse(_ source: String) throws -> [JinjaNode] {
        var parser = JinjaParser(tokens: try JinjaLexer.tokenize(source))
        let (nodes, end) = try parser.parseBody(until: [])
        if let end { throw parser.error("unexpected '\(end.name)': no block is open", at: end.position) }
        return nodes
    }

    private init(tokens: [JinjaToken]) { self.tokens = tokens }

    // MARK: - Token helpers

    private var current: JinjaToken { tokens[index] }
    private var peekKind: JinjaTokenKind { index + 1 < tokens.count ? tokens[index + 1].kind : .eof }

    private mutating func advance() -> JinjaToken {
        let t = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return t
    }

    private func error(_ message: String, at position: JinjaSourcePosition, kind: ChatTemplateError.Kind = .syntax)
        -> ChatTemplateError
    {
        ChatTemplateError(kind: kind, message: message, line: position.line, column: position.column)
    }

    private func describe(_ kind: JinjaTokenKind) -> String {
        switch kind {
        case .text: return "template text"
        case .variableBegin: return "'{{'"
        case .variableEnd: return "'}}'"
        case .blockBegin: return "'{%'"
        case .blockEnd: return "'%}'"
        case .name(let n): return "'\(n)'"
        case .string(let s): return "string '\(s)'"
        case .integer(let i): return "\(i)"
        case .float(let d): return "\(d)"
        case .op(let o): return "'\(o)'"
        case .eof: return "end of template"
        }
    }

    private func isOp(_ op: String) -> Bool { current.kind == .op(op) }
    private func isName(_ name: String) -> Bool { current.kind == .name(name) }

    private mutating func skipOp(_ op: String) -> Bool {
        if isOp(op) { _ = advance(); return true }
        return false
    }

    private mutating func skipName(_ name: String) -> Bool {
        if isName(name) { _ = advance(); return true }
        return false
    }

    private mutating func expectOp(_ op: String) throws {
        guard skipOp(op) else { throw error("expected '\(op)', found \(describe(current.kind))", at: current.position) }
    }

    private mutating func expectName() throws -> String {
        guard case .name(let n) = current.kind else {
            throw error("expected a name, found \(describe(current.kind))", at: current.position)
        }
        _ = advance()
        return n
    }

    private mutating func expectBlockEnd(_ tag: String) throws {
        guard current.kind == .blockEnd else {
            throw error("expected '%}' to close '\(tag)', found \(describe(current.kind))", at: current.position)
        }
        _ = advance()
    }

    // MARK: - Statements

    /// Parses nodes until a `{% name %}` whose name is in `endNames` (consumed up to the name) or EOF.
    private mutating func parseBody(until endNames: Set<String>) throws
        -> ([JinjaNode], (name: String, position: JinjaSourcePosition)?)
    {
        var nodes: [JinjaNode] = []
        while true {
            let token = current
            switch token.kind {
            case .eof:
                return (nodes, nil)
            case .text(let s):
                _ = advance()
                nodes.append(.text(s))
            case .variableBegin:
                _ = advance()
                let expr = try parseTuple()
                guard current.kind == .variableEnd else {
                    throw error("expected '}}', found \(describe(current.kind))", at: current.position)
                }
                _ = advance()
                nodes.append(.output(expr, token.position))
            case .blockBegin:
                _ = advance()
                guard case .name(let tag) = current.kind else {
                    throw error("expected a tag name after '{%', found \(describe(current.kind))", at: current.position)
                }
                if endNames.contains(tag) {
                    let position = current.position
                    _ = advance()
                    return (nodes, (tag, position))
                }
                nodes.append(try parseStatement(tag, at: token.position))
            default:
                throw error("unexpected \(describe(token.kind))", at: token.position)
            }
        }
    }

    /// Parses a body that must end with one of `endNames`; reports the opening tag if it never does.
    private mutating func parseBlockBody(_ endNames: Set<String>, opener: String, openedAt: JinjaSourcePosition)
        throws -> ([JinjaNode], String)
    {
        let (nodes, end) = try parseBody(until: endNames)
        guard let end else {
            let expected = endNames.sorted().map { "'\($0)'" }.joined(separator: " or ")
            throw error("unclosed '\(opener)' block (opened at line \(openedAt.line), column \(openedAt.column)): "
                + "reached the end of the template looking for \(expected)", at: openedAt)
        }
        return (nodes, end.name)
    }

    private static let endTags: Set<String> = [
        "endif", "endfor", "endmacro", "endset", "endfilter", "endgeneration", "elif", "else", "endcall", "endraw",
    ]

    private mutating func enter(_ position: JinjaSourcePosition) throws {
        depth += 1
        if depth > Self.maxDepth { throw error("template nests too deeply (more than \(Self.maxDepth) levels)", at: position) }
    }

    private mutating func parseStatement(_ tag: String, at position: JinjaSourcePosition) throws -> JinjaNode {
        try enter(position)
        defer { depth -= 1 }
        _ = advance()  // the tag name
        switch tag {
        case "if":
            var branches: [(JinjaExpr, [JinjaNode])] = []
            var condition = try parseExpression()
            try expectBlockEnd("if")
            while true {
                let (body, end) = try parseBlockBody(["elif", "else", "endif"], opener: "if", openedAt: position)
                branches.append((condition, body))
                if end == "elif" {
                    condition = try parseExpression()
                    try expectBlockEnd("elif")
                    continue
                }
                var otherwise: [JinjaNode] = []
                if end == "else" {
                    try expectBlockEnd("else")
                    (otherwise, _) = try parseBlockBody(["endif"], opener: "if", openedAt: position)
                }
                try expectBlockEnd("endif")
                return .ifBlock(branches: branches, otherwise: otherwise)
            }
        case "for":
            var targets = [try expectName()]
            while skipOp(",") { targets.append(try expectName()) }
            guard skipName("in") else {
                throw error("expected 'in' in 'for' tag, found \(describe(current.kind))", at: current.position)
            }
            let iterable = try parseTuple(withCondition: false)
            var condition: JinjaExpr? = nil
            if skipName("if") { condition = try parseExpression() }
            if isName("recursive") {
                throw error("recursive for loops are not supported", at: current.position)
            }
            try expectBlockEnd("for")
            let (body, end) = try parseBlockBody(["else", "endfor"], opener: "for", openedAt: position)
            var otherwise: [JinjaNode] = []
            if end == "else" {
                try expectBlockEnd("else")
                (otherwise, _) = try parseBlockBody(["endfor"], opener: "for", openedAt: position)
            }
            try expectBlockEnd("endfor")
            return .forLoop(JinjaForLoop(targets: targets, iterable: iterable, condition: condition, body: body,
                                         otherwise: otherwise, position: position))
        case "set":
            let first = try expectName()
            var target = JinjaAssignTarget.name(first)
            if skipOp(".") {
                target = .attribute(first, try expectName(), position)
            } else if isOp(",") {
                var names = [first]
                while skipOp(",") { names.append(try expectName()) }
                target = .names(names)
            }
            if skipOp("=") {
                let value = try parseTuple()
                try expectBlockEnd("set")
                return .set(target, value, position)
            }
            guard case .name(let name) = target else {
                throw error("expected '=' in 'set' tag, found \(describe(current.kind))", at: current.position)
            }
            try expectBlockEnd("set")
            let (body, _) = try parseBlockBody(["endset"], opener: "set", openedAt: position)
            try expectBlockEnd("endset")
            return .setBlock(name, body)
        case "macro":
            let name = try expectName()
            try expectOp("(")
            var parameters: [(String, JinjaExpr?)] = []
            while !isOp(")") {
                if !parameters.isEmpty { try expectOp(",") }
                if isOp(")") { break }
                let parameter = try expectName()
                parameters.append((parameter, skipOp("=") ? try parseExpression() : nil))
            }
            try expectOp(")")
            try expectBlockEnd("macro")
            let (body, _) = try parseBlockBody(["endmacro"], opener: "macro", openedAt: position)
            if case .name = current.kind { _ = advance() }  // `{% endmacro name %}`
            try expectBlockEnd("endmacro")
            return .macro(JinjaMacro(name: name, parameters: parameters, body: body))
        case "filter":
            let name = try expectName()
            var arguments = JinjaArguments()
            if isOp("(") { arguments = try parseCallArguments() }
            guard JinjaBuiltins.filterNames.contains(name) else {
                throw error("unknown filter '\(name)'", at: position, kind: .unknownFilter)
            }
            try expectBlockEnd("filter")
            let (body, _) = try parseBlockBody(["endfilter"], opener: "filter", openedAt: position)
            try expectBlockEnd("endfilter")
            return .filterBlock(name, arguments, body, position)
        case "generation":
            try expectBlockEnd("generation")
            let (body, _) = try parseBlockBody(["endgeneration"], opener: "generation", openedAt: position)
            try expectBlockEnd("endgeneration")
            return .group(body)
        case "break":
            try expectBlockEnd("break")
            return .breakLoop
        case "continue":
            try expectBlockEnd("continue")
            return .continueLoop
        default:
            if Self.endTags.contains(tag) {
                throw error("unexpected '\(tag)': no matching block is open here", at: position)
            }
            throw error("unknown tag '\(tag)'", at: position)
        }
    }

    // MARK: - Expressions

    /// An expression, or an unparenthesized tuple `a, b` (allowed in `{{ }}`, `set` and `for`).
    private mutating func parseTuple(withCondition: Bool = true) throws -> JinjaExpr {
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

    private mutating func parseOr() throws -> JinjaExpr {
        var left = try parseAnd()
        while isName("or") {
            let p = advance().position
            left = .binary("or", left, try parseAnd(), p)
        }
        return left
    }

    private mutating func parseAnd() throws -> JinjaExpr {
        var left = try parseNot()
        while isName("and") {
            let p = advance().position
            left = .binary("and", left, try parseNot(), p)
        }
        return left
    }

    private mutating func parseNot() throws -> JinjaExpr {
        if isName("not") {
            try enter(current.position)
            defer { depth -= 1 }
            let p = advance().position
            return .unary("not", try parseNot(), p)
        }
        return try parseCompare()
    }

    private mutating func parseCompare() throws -> JinjaExpr {
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

    private mutating func parseMath1() throws -> JinjaExpr {
        var left = try parseConcat()
        while case .op(let op) = current.kind, op == "+" || op == "-" {
            let p = advance().position
            left = .binary(op, left, try parseConcat(), p)
        }
        return left
    }

    private mutating func parseConcat() throws -> JinjaExpr {
        var left = try parseMath2()
        while isOp("~") {
            let p = advance().position
            left = .binary("~", left, try parseMath2(), p)
        }
        return left
    }

    private mutating func parseMath2() throws -> JinjaExpr {
        var left = try parsePow()
        while case .op(let op) = current.kind, ["*", "/", "//", "%"].contains(op) {
            let p = advance().position
            left = .binary(op, left, try parsePow(), p)
        }
        return left
    }

    private mutating func parsePow() throws -> JinjaExpr {
        var left = try parseUnary()
        while isOp("**") {
            let p = advance().position
            left = .binary("**", left, try parseUnary(), p)
        }
        return left
    }

    private mutating func parseUnary(withFilter: Bool = true) throws -> JinjaExpr {
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

    private mutating func parsePrimary() throws -> JinjaExpr {
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

    private mutating func parsePostfix(_ start: JinjaExpr) throws -> JinjaExpr {
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

    private mutating func parseSubscript(_ target: JinjaExpr, at position: JinjaSourcePosition) throws -> JinjaExpr {
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

    private mutating func parseCallArguments() throws -> JinjaArguments {
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

    private mutating func parseFilterExpression(_ start: JinjaExpr) throws -> JinjaExpr {
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
    private func startsTestArgument() -> Bool {
        switch current.kind {
        case .name(let n): return !["else", "or", "and", "is", "if", "in", "not"].contains(n)
        case .string, .integer, .float: return true
        case .op(let o): return o == "[" || o == "{"
        default: return false
        }
    }
}
