// The parsed form of a template: statements (`JinjaNode`) holding expressions (`JinjaExpr`).
// Every expression that can fail at render time keeps its source position for the error message.

indirect enum JinjaExpr: Sendable {
    case literal(JinjaValue)
    case name(String, JinjaSourcePosition)
    case list([JinjaExpr])
    case dict([(JinjaExpr, JinjaExpr)])
    case attribute(JinjaExpr, String, JinjaSourcePosition)
    case item(JinjaExpr, JinjaExpr, JinjaSourcePosition)
    case slice(JinjaExpr, start: JinjaExpr?, stop: JinjaExpr?, step: JinjaExpr?, JinjaSourcePosition)
    case call(JinjaExpr, JinjaArguments, JinjaSourcePosition)
    case filter(JinjaExpr, String, JinjaArguments, JinjaSourcePosition)
    case test(JinjaExpr, String, JinjaArguments, negated: Bool, JinjaSourcePosition)
    case unary(String, JinjaExpr, JinjaSourcePosition)  // "-", "+", "not"
    case binary(String, JinjaExpr, JinjaExpr, JinjaSourcePosition)  // arithmetic, "~", "and", "or"
    case compare(JinjaExpr, [(String, JinjaExpr)], JinjaSourcePosition)  // chained comparisons, "in", "not in"
    case conditional(then: JinjaExpr, condition: JinjaExpr, otherwise: JinjaExpr?)
}

struct JinjaArguments: Sendable {
    var positional: [JinjaExpr] = []
    var keyword: [(String, JinjaExpr)] = []
}

enum JinjaAssignTarget: Sendable {
    case name(String)
    case names([String])  // `a, b = ...`
    case attribute(String, String, JinjaSourcePosition)  // `ns.attr = ...`
}

indirect enum JinjaNode: Sendable {
    case text(String)
    case output(JinjaExpr, JinjaSourcePosition)
    case ifBlock(branches: [(JinjaExpr, [JinjaNode])], otherwise: [JinjaNode])
    case forLoop(JinjaForLoop)
    case set(JinjaAssignTarget, JinjaExpr, JinjaSourcePosition)
    case setBlock(String, [JinjaNode])
    case macro(JinjaMacro)
    case filterBlock(String, JinjaArguments, [JinjaNode], JinjaSourcePosition)
    case breakLoop, continueLoop
    case group([JinjaNode])  // a block rendered as-is (`{% generation %}`)
}

struct JinjaForLoop: Sendable {
    var targets: [String]
    var iterable: JinjaExpr
    var condition: JinjaExpr?
    var body: [JinjaNode]
    var otherwise: [JinjaNode]
    var position: JinjaSourcePosition
}

struct JinjaMacro: Sendable {
    var name: String
    var parameters: [(String, JinjaExpr?)]
    var body: [JinjaNode]
}
