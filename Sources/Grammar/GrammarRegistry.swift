import Synchronization

/// Compiled grammars by what they were compiled from, so that requests with the same schema
/// share one `TokenGrammar` and with it the token masks it has cached. Bounded: the least
/// recently used entry goes when it is full.
public final class GrammarRegistry: Sendable {
    public let vocabulary: TokenVocabulary
    public let capacity: Int
    private let entries = Mutex<(grammars: [String: TokenGrammar], order: [String])>(([:], []))

    public init(vocabulary: TokenVocabulary, capacity: Int = 16) {
        self.vocabulary = vocabulary
        self.capacity = capacity
    }

    /// The grammar for `key`, compiled with `build` the first time it is asked for.
    public func grammar<E: Error>(for key: String, build: () throws(E) -> Grammar) throws(E) -> TokenGrammar {
        if let found = entries.withLock({ entries -> TokenGrammar? in
            guard let found = entries.grammars[key] else { return nil }
            entries.order.removeAll { $0 == key }
            entries.order.append(key)
            return found
        }) {
            return found
        }
        let compiled = TokenGrammar(grammar: try build(), vocabulary: vocabulary)
        return entries.withLock { entries in
            if let raced = entries.grammars[key] { return raced }
            if entries.order.count >= capacity { entries.grammars[entries.order.removeFirst()] = nil }
            entries.grammars[key] = compiled
            entries.order.append(key)
            return compiled
        }
    }
}
