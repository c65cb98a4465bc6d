import Synchronization

/// A grammar bound to a vocabulary: which tokens may come next in any state, cached.
///
/// The mask of a state is the union over its stacks. For one stack, split at its top frame
/// (xgrammar's idea of context-independent tokens, at frame granularity):
/// - tokens that the top frame takes whole, without completing, depend on that frame alone:
///   found by one walk of the token trie from the frame, cached per frame (`FrameScan`);
/// - tokens that complete the frame partway through go on into the frames below: the walk
///   records the trie nodes where that happens, and only those subtrees are walked again
///   with the rest of the stack.
/// Whole-state masks are cached too. Counters in keys are clamped to the longest token
/// (`GrammarMatcher.cacheKey`), so a string with 900 characters left shares its entry with
/// one with 300 left. Both caches are bounded; they are emptied when full.
///
/// The vocabulary's token trie is built once, with the vocabulary, and shared.
///
/// Thread-safe: the caches are behind a mutex (the engine thread is normally its only user).
public final class TokenGrammar: Sendable {
    public let matcher: GrammarMatcher
    public let vocabulary: TokenVocabulary
    private let horizon: Int
    private let caches = Mutex(Caches())
    /// Entries per cache before it is emptied.
    /// (Each mask is a bit per token: 6 KiB for a 49,152-token vocabulary.)
    static let cacheLimit = 1024
    /// Bytes both caches may hold together before they are emptied: a schema's masks
    /// cost a few MiB in steady decoding, and a server holds many schemas' grammars
    /// (`GrammarRegistry` bounds their sum as well).
    public let cacheByteLimit: Int

    /// What one walk from a lone frame found.
    struct FrameScan {
        var accepted: TokenMask
        /// Trie nodes at which the frame completes with more token bytes below them.
        var exits: [Int32]

        var byteCount: Int { accepted.byteCount + exits.count * MemoryLayout<Int32>.stride }
    }

    struct Caches {
        var frames: [GrammarState.Frame: FrameScan] = [:]
        var states: [GrammarState: TokenMask] = [:]
        var frameMisses = 0
        var stateMisses = 0
        var stateHits = 0
        /// What the cached masks and exit lists hold, in bytes.
        var bytes = 0

        /// Makes room for `adding` bytes: empties both caches when the limit would be passed.
        mutating func reserve(_ adding: Int, limit: Int) {
            guard bytes + adding > limit else { return }
            frames.removeAll()
            states.removeAll()
            bytes = 0
        }
    }

    private var trie: TokenTrie { vocabulary.trie }

    public init(grammar: Grammar, vocabulary: TokenVocabulary, cacheByteLimit: Int = 8 << 20) {
        matcher = GrammarMatcher(grammar: grammar)
        self.vocabulary = vocabulary
        self.cacheByteLimit = cacheByteLimit
        horizon = vocabulary.trie.maxDepth
    }

    /// Bytes the mask caches hold now.
    public var cacheBytes: Int { caches.withLock(\.bytes) }

    public func initialState() -> GrammarState { matcher.initialState() }

    /// The state after `token`: its bytes, or for an end token, the state unchanged (the
    /// grammar is complete; it allows nothing but end tokens from there).
    public func advance(_ state: GrammarState, token: Int32) -> GrammarState {
        guard token >= 0, Int(token) < vocabulary.count, let bytes = vocabulary.tokenBytes[Int(token)] else {
            return vocabulary.endTokens.contains(token) && state.isAccepting ? GrammarState(stacks: [[]]) : GrammarState()
        }
        return matcher.advance(state, bytes: bytes)
    }

    /// Cache statistics: (frame walks, state masks computed, state masks served from cache).
    public var cacheCounts: (frameMisses: Int, stateMisses: Int, stateHits: Int) {
        caches.withLock { ($0.frameMisses, $0.stateMisses, $0.stateHits) }
    }

    /// The tokens allowed next in `state`: those whose bytes it takes, plus the end tokens
    /// when it is complete. Empty only for a dead state.
    public func mask(for state: GrammarState) -> TokenMask {
        let key = matcher.cacheKey(state, horizon: horizon)
        if let cached = caches.withLock({ caches -> TokenMask? in
            let mask = caches.states[key]
            if mask != nil { caches.stateHits += 1 }
            return mask
        }) {
            return cached
        }
        var mask = TokenMask(count: vocabulary.count)
        for stack in state.stacks {
            guard let top = stack.last else {
                for id in vocabulary.endTokens where Int(id) < vocabulary.count { mask.insert(Int(id)) }
                continue
            }
            let scan = frameScan(top)
            mask.formUnion(scan.accepted)
            guard !scan.exits.isEmpty, stack.count > 1 else { continue }
            // The frame below takes over where the top one completes.
            var below = GrammarState()
            var rest = stack
            rest[rest.count - 1].position = Int32(matcher.grammar.alternatives[Int(top.alternative)].count)
            matcher.expand(rest, into: &below)
            below.stacks.removeAll { $0.isEmpty }
            guard !below.isDead else { continue }
            for exit in scan.exits {
                var unused: [Int32] = []
                walk(from: below, subtreeOf: Int(exit), into: &mask, exits: &unused, recordingExits: false)
            }
        }
        caches.withLock { caches in
            caches.stateMisses += 1
            if caches.states.count >= Self.cacheLimit {
                caches.bytes -= caches.states.count * mask.byteCount
                caches.states.removeAll()
            }
            caches.reserve(mask.byteCount, limit: cacheByteLimit)
            if caches.states.updateValue(mask, forKey: key) == nil { caches.bytes += mask.byteCount }
        }
        return mask
    }

    private func frameScan(_ frame: GrammarState.Frame) -> FrameScan {
        let key = matcher.cacheKey(frame, horizon: horizon)
        if let cached = caches.withLock({ $0.frames[key] }) { return cached }
        var accepted = TokenMask(count: vocabulary.count)
        var exits: [Int32] = []
        walk(from: GrammarState(stacks: [[frame]]), subtreeOf: nil, into: &accepted, exits: &exits, recordingExits: true)
        let scan = FrameScan(accepted: accepted, exits: exits)
        caches.withLock { caches in
            caches.frameMisses += 1
            if caches.frames.count >= Self.cacheLimit {
                caches.bytes -= caches.frames.values.reduce(0) { $0 + $1.byteCount }
                caches.frames.removeAll()
            }
            caches.reserve(scan.byteCount, limit: cacheByteLimit)
            if let replaced = caches.frames.updateValue(scan, forKey: key) { caches.bytes -= replaced.byteCount }
            caches.bytes += scan.byteCount
        }
        return scan
    }

    /// Walks the trie below `node` (the whole trie when nil) from `state`, adding every token
    /// whose bytes the state takes. With `exits`, the state is a lone frame's: where a reading
    /// completes the frame, the node is recorded (when tokens go deeper) instead of followed.
    private func walk(from state: GrammarState, subtreeOf node: Int?, into mask: inout TokenMask, exits: inout [Int32],
                      recordingExits: Bool) {
        let start = node.map { $0 + 1 } ?? 0
        let end = node.map { Int(trie.subtreeEnd[$0]) } ?? trie.nodeCount
        let baseDepth = node.map { Int(trie.depth[$0]) } ?? 0
        var states = Array(repeating: GrammarState(), count: trie.maxDepth + 1)
        states[0] = state
        var i = start
        while i < end {
            let level = Int(trie.depth[i]) - baseDepth
            var next = matcher.advance(states[level - 1], byte: trie.byte[i])
            if next.isDead {
                i = Int(trie.subtreeEnd[i])
                continue
            }
            for t in Int(trie.tokenStart[i])..<Int(trie.tokenEnd[i]) { mask.insert(Int(trie.tokens[t])) }
            if recordingExits, next.isAccepting {
                if Int(trie.subtreeEnd[i]) > i + 1 { exits.append(Int32(i)) }
                next.stacks.removeAll { $0.isEmpty }
                if next.isDead {
                    i = Int(trie.subtreeEnd[i])
                    continue
                }
            }
            states[level] = next
            i += 1
        }
    }
}
