// Recursive-descent parser over lexer tokens: statements here, expressions in JinjaParser+Expressions.swift.

struct JinjaParser {
    let tokens: [JinjaToken]
    var index = 0
    /// Nesting of blocks and parenthesized expressions; bounded so a hostile template cannot overflow the stack.
    var depth = 0
    static let maxDepth = 64

    static func parse(_ source: String) throws -> [JinjaNode] {
        var parser = JinjaParser(tokens: try JinjaLexer.tokenize(source))
        let (nodes, end) = try parser.parseBody(until: [])
        if let end { throw parser.error("unexpected '\(end.name)': no block is open", at: end.position) }
        return nodes
    }

    private init(tokens: [JinjaToken]) { self.tokens = tokens }

    // MARK: - Token helpers

    var current: JinjaToken { tokens[index] }
    var peekKind: JinjaTokenKind { index + 1 < tokens.count ? tokens[index + 1].kind : .eof }

    mutating func advance() -> JinjaToken {
        let t = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return t
    }

    func error(_ message: String, at position: JinjaSourcePosition, kind: JinjaError.Kind = .syntax)
        -> JinjaError
    {
        JinjaError(kind: kind, message: message, line: position.line, column: position.column)
    }

    func describe(_ kind: JinjaTokenKind) -> String {
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

    func isOp(_ op: String) -> Bool { current.kind == .op(op) }
    func isName(_ name: String) -> Bool { current.kind == .name(name) }

    mutating func skipOp(_ op: String) -> Bool {
        if isOp(op) { _ = advance(); return true }
        return false
    }

    mutating func skipName(_ name: String) -> Bool {
        if isName(name) { _ = advance(); return true }
        return false
    }

    mutating func expectOp(_ op: String) throws {
        guard skipOp(op) else { throw error("expected '\(op)', found \(describe(current.kind))", at: current.position) }
    }

    mutating func expectName() throws -> String {
        guard case .name(let n) = current.kind else {
            throw error("expected a name, found \(describe(current.kind))", at: current.position)
        }
        _ = advance()
        return n
    }

    mutating func expectBlockEnd(_ tag: String) throws {
        guard current.kind == .blockEnd else {
            throw error("expected '%}' to close '\(tag)', found \(describe(current.kind))", at: current.position)
        }
        _ = advance()
    }

    // MARK: - Statements

    /// Parses nodes until a `{% name %}` whose name is in `endNames` (consumed up to the name) or EOF.
    mutating func parseBody(until endNames: Set<String>) throws
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
    mutating func parseBlockBody(_ endNames: Set<String>, opener: String, openedAt: JinjaSourcePosition)
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

    mutating func enter(_ position: JinjaSourcePosition) throws {
        depth += 1
        if depth > Self.maxDepth { throw error("template nests too deeply (more than \(Self.maxDepth) levels)", at: position) }
    }

    mutating func parseStatement(_ tag: String, at position: JinjaSourcePosition) throws -> JinjaNode {
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
}
