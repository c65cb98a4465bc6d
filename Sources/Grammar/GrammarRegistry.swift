import Synchronization

/// Compiled grammars by what they were compiled from, so that requests with the same schema
/// share one `TokenGrammar` and with it the token masks it has cached. Bounded twice: the least
/// recently used entries go when there are `capacity` of them, or when their mask caches hold
/// more than `cacheBudget` bytes together (each grammar's own caches stay under half of it).
/// A schema fuzzer sends a new schema with almost every request; without the byte bound each of
/// 16 grammars kept about 13 MiB of masks.
public final class GrammarRegistry: Sendable {
    public let vocabulary: TokenVocabulary
    public let capacity: Int
    public let cacheBudget: Int
    private let entries = Mutex<(grammars: [String: TokenGrammar], order: [String])>(([:], []))

    public init(vocabulary: TokenVocabulary, capacity: Int = 16, cacheBudget: Int = 24 << 20) {
        self.vocabulary = vocabulary
        self.capacity = capacity
        self.cacheBudget = cacheBudget
    }

    /// Bytes the registered grammars' mask caches hold together.
    public var cacheBytes: Int { entries.withLock { $0.grammars.values.reduce(0) { $0 + $1.cacheBytes } } }

    /// The grammar for `key`, compiled with `build` the first time it is asked for.
    public func grammar<E: Error>(for key: String, build: () throws(E) -> Grammar) throws(E) -> TokenGrammar {
        if let found = entries.withLock({ entries -> TokenGrammar? in
            guard let found = entries.grammars[key] else { return nil }
            entries.order.removeAll { $0 == key }
            entries.order.append(key)
            Self.trim(&entries, budget: cacheBudget)
            return found
        }) {
            return found
        }
        let compiled = TokenGrammar(grammar: try build(), vocabulary: vocabulary, cacheByteLimit: cacheBudget / 2)
        return entries.withLock { entries in
            if let raced = entries.grammars[key] { return raced }
            if entries.order.count >= capacity { entries.grammars[entries.order.removeFirst()] = nil }
            entries.grammars[key] = compiled
            entries.order.append(key)
            Self.trim(&entries, budget: cacheBudget)
            return compiled
        }
    }

    /// Drops the least recently used grammars, never the latest, until the caches of those
    /// left hold at most `budget` bytes. (A dropped grammar still serves the requests that hold
    /// it; its memory goes with the last of them.)
    private static func trim(_ entries: inout (grammars: [String: TokenGrammar], order: [String]), budget: Int) {
        var held = entries.grammars.values.reduce(0) { $0 + $1.cacheBytes }
        while held > budget, entries.order.count > 1 {
            let oldest = entries.order.removeFirst()
            held -= entries.grammars.removeValue(forKey: oldest)?.cacheBytes ?? 0
        }
    }
}
