extension Grammar {
    /// Whether each rule can match the empty string.
    func nullableRules() -> [Bool] {
        var nullable = Array(repeating: false, count: ruleCount)
        var changed = true
        while changed {
            changed = false
            for rule in 0..<ruleCount where !nullable[rule] {
                if rules[rule].contains(where: { alternatives[$0].allSatisfy { isNullable($0, nullable) } }) {
                    nullable[rule] = true
                    changed = true
                }
            }
        }
        return nullable
    }

    private func isNullable(_ element: GrammarElement, _ nullable: [Bool]) -> Bool {
        switch element {
        case .literal(let bytes): bytes.isEmpty
        case .string, .number: false
        case .rule(let rule): nullable[rule]
        case .repeat(let rule, let min, _): min == 0 || nullable[rule]
        }
    }

    /// A rule that can reach itself without consuming a byte (left recursion, which the
    /// matcher cannot run: `{"anyOf": [{"$ref": "#"}]}`), or a repeated rule that can match
    /// the empty string; nil when there is none.
    public func nonTerminatingRule() -> Int? {
        let nullable = nullableRules()
        for alternative in alternatives {
            for case .repeat(let rule, _, _) in alternative where nullable[rule] { return rule }
        }
        // Edges: rule → rules it can enter before consuming anything.
        var edges = Array(repeating: [Int](), count: ruleCount)
        for rule in 0..<ruleCount {
            for index in rules[rule] {
                for element in alternatives[index] {
                    switch element {
                    case .rule(let next), .repeat(let next, _, _): edges[rule].append(next)
                    default: break
                    }
                    if !isNullable(element, nullable) { break }
                }
            }
        }
        // Depth-first search for a cycle.
        var state = Array(repeating: 0, count: ruleCount) // 0 new, 1 on the path, 2 done
        func visit(_ rule: Int) -> Int? {
            state[rule] = 1
            for next in edges[rule] {
                if state[next] == 1 { return next }
                if state[next] == 0, let found = visit(next) { return found }
            }
            state[rule] = 2
            return nil
        }
        for rule in 0..<ruleCount where state[rule] == 0 {
            if let found = visit(rule) { return found }
        }
        return nil
    }
}
