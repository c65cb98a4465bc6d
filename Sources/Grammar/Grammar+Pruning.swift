extension Grammar {
    /// Whether each rule can match at least one finite byte string.
    func productiveRules() -> [Bool] {
        var productive = Array(repeating: false, count: ruleCount)
        var changed = true
        while changed {
            changed = false
            for rule in 0..<ruleCount where !productive[rule] {
                if rules[rule].contains(where: { alternatives[$0].allSatisfy { isProductive($0, productive) } }) {
                    productive[rule] = true
                    changed = true
                }
            }
        }
        return productive
    }

    private func isProductive(_ element: GrammarElement, _ productive: [Bool]) -> Bool {
        switch element {
        case .literal, .string, .number: true
        case .rule(let rule): productive[rule]
        case .repeat(let rule, let min, _): min == 0 || productive[rule]
        }
    }

    /// Drops every alternative that can never complete (it enters a rule that matches nothing,
    /// such as the cut-off end of an unrolled recursion), and every optional repetition of such
    /// a rule. Afterwards every prefix the matcher accepts can be completed: the token masks
    /// never lead into a dead end. Returns false when the start rule itself matches nothing.
    mutating func pruneUnproductive() -> Bool {
        let productive = productiveRules()
        for index in alternatives.indices {
            alternatives[index] = alternatives[index].filter { element in
                if case .repeat(let rule, 0, _) = element, !productive[rule] { return false }
                return true
            }
        }
        for rule in 0..<ruleCount {
            rules[rule] = rules[rule].filter { alternatives[$0].allSatisfy { isProductive($0, productive) } }
        }
        return productive[0]
    }
}
