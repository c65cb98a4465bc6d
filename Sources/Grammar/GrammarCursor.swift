/// One sequence's place in its grammar while it decodes: which tokens may come next, and the
/// step past each sampled token.
public struct GrammarCursor: Sendable {
    public let grammar: TokenGrammar
    public private(set) var state: GrammarState

    public init(grammar: TokenGrammar) {
        self.grammar = grammar
        state = grammar.initialState()
    }

    /// The tokens the grammar allows next.
    public func allowedTokens() -> TokenMask { grammar.mask(for: state) }

    /// Moves past `token`, which should be one that `allowedTokens()` allowed.
    public mutating func accept(_ token: Int32) {
        state = grammar.advance(state, token: token)
    }

    /// Whether the text so far is complete: the grammar has matched it whole.
    public var isComplete: Bool { state.isAccepting }
}
