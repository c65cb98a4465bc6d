/// A context-free grammar over bytes: rules of alternatives of elements. Rule 0 is the start.
/// Built by `JSONSchemaCompiler`; run by `GrammarMatcher`.
///
/// No rule may be left-recursive, and no repeated rule may match the empty string: the
/// compiler never builds either, and the matcher relies on it to terminate.
public struct Grammar: Sendable {
    /// For each rule, the indices of its alternatives in `alternatives`.
    public internal(set) var rules: [[Int]] = []
    /// Every alternative of every rule.
    public internal(set) var alternatives: [[GrammarElement]] = []
    /// A name per rule, for debugging and error messages.
    public private(set) var names: [String] = []

    public init() {}

    /// Reserves a rule to be defined later (for recursion and `$ref`); returns its index.
    public mutating func declareRule(_ name: String) -> Int {
        rules.append([])
        names.append(name)
        return rules.count - 1
    }

    /// Sets a declared rule's alternatives.
    public mutating func define(_ rule: Int, _ alternatives: [[GrammarElement]]) {
        precondition(rules[rule].isEmpty, "rule \(names[rule]) defined twice")
        for alternative in alternatives {
            rules[rule].append(self.alternatives.count)
            self.alternatives.append(alternative)
        }
    }

    /// Declares and defines a rule in one go.
    public mutating func addRule(_ name: String, _ alternatives: [[GrammarElement]]) -> Int {
        let rule = declareRule(name)
        define(rule, alternatives)
        return rule
    }

    public var ruleCount: Int { rules.count }
}
