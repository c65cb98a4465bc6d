/// Runs a `Grammar` over bytes: the pushdown automaton that the token masks are computed
/// from. Pure functions of a `GrammarState`; the state is a value, so a caller can try a byte
/// and keep the old state.
public struct GrammarMatcher: Sendable {
    public let grammar: Grammar
    /// Deeper stacks are dropped (treated as not matching): a bound on nesting for schemas
    /// that recurse and for free-form JSON.
    public var maxDepth = 256

    public init(grammar: Grammar) { self.grammar = grammar }

    /// The state before any byte.
    public func initialState() -> GrammarState {
        var state = GrammarState()
        for alternative in grammar.rules[0] {
            expand([GrammarState.Frame(alternative: alternative)], into: &state)
        }
        return state
    }

    /// The state after `byte`; dead (no stacks) when no reading takes it.
    public func advance(_ state: GrammarState, byte: UInt8) -> GrammarState {
        var next = GrammarState()
        for stack in state.stacks where !stack.isEmpty {
            if let stepped = step(stack, byte: byte) { expand(stepped, into: &next) }
        }
        return next
    }

    /// The state after all of `bytes`, stopping early once dead.
    public func advance(_ state: GrammarState, bytes: some Sequence<UInt8>) -> GrammarState {
        var state = state
        for byte in bytes {
            state = advance(state, byte: byte)
            if state.isDead { break }
        }
        return state
    }

    /// Whether the whole of `bytes` matches the grammar.
    public func matches(_ bytes: some Sequence<UInt8>) -> Bool {
        advance(initialState(), bytes: bytes).isAccepting
    }

    // MARK: - Steps

    /// A ready stack's top element takes one byte; nil when it cannot. The result may not be
    /// ready (its element may be complete): `expand` makes it so.
    func step(_ stack: [GrammarState.Frame], byte: UInt8) -> [GrammarState.Frame]? {
        var top = stack[stack.count - 1]
        switch grammar.alternatives[Int(top.alternative)][Int(top.position)] {
        case .literal(let bytes):
            guard bytes[Int(top.phase)] == byte else { return nil }
            top.phase += 1
        case .string(let spec):
            guard let (phase, count) = StringMachine.step(spec, phase: top.phase, count: top.count, byte: byte) else { return nil }
            top.phase = phase
            top.count = count
        case .number(let integer):
            guard let (phase, count) = NumberMachine.step(integer: integer, phase: top.phase, count: top.count, byte: byte) else {
                return nil
            }
            top.phase = phase
            top.count = count
        case .rule, .repeat:
            preconditionFailure("a ready stack's top is at a byte-consuming element")
        }
        var stepped = stack
        stepped[stepped.count - 1] = top
        return stepped
    }

    /// Adds to `state` every ready stack that `stack` stands for: it enters rules until the top
    /// consumes bytes, moves past complete elements, and pops complete alternatives.
    func expand(_ stack: [GrammarState.Frame], into state: inout GrammarState) {
        guard var top = stack.last else {
            state.insert(stack)
            return
        }
        guard stack.count <= maxDepth else { return }
        let elements = grammar.alternatives[Int(top.alternative)]
        if Int(top.position) == elements.count {
            var parent = stack
            parent.removeLast()
            guard var below = parent.last else {
                state.insert(parent)  // the start rule is complete
                return
            }
            switch grammar.alternatives[Int(below.alternative)][Int(below.position)] {
            case .repeat: below.count += 1
            default:
                below.position += 1
                below.count = 0
                below.phase = 0
            }
            parent[parent.count - 1] = below
            expand(parent, into: &state)
            return
        }
        switch elements[Int(top.position)] {
        case .literal(let bytes):
            if Int(top.phase) < bytes.count { state.insert(stack) } else { expand(movingPast: stack, into: &state) }
        case .string:
            if top.phase == StringMachine.closed { expand(movingPast: stack, into: &state) } else { state.insert(stack) }
        case .number:
            state.insert(stack)
            if NumberMachine.isComplete(top.phase) { expand(movingPast: stack, into: &state) }
        case .rule(let rule):
            for alternative in grammar.rules[rule] {
                expand(stack + [GrammarState.Frame(alternative: alternative)], into: &state)
            }
        case .repeat(let rule, let min, let max):
            if max.map({ Int(top.count) < $0 }) ?? true {
                for alternative in grammar.rules[rule] {
                    expand(stack + [GrammarState.Frame(alternative: alternative)], into: &state)
                }
            }
            if Int(top.count) >= min {
                top.position += 1
                top.count = 0
                top.phase = 0
                var moved = stack
                moved[moved.count - 1] = top
                expand(moved, into: &state)
            }
        }
    }

    private func expand(movingPast stack: [GrammarState.Frame], into state: inout GrammarState) {
        var moved = stack
        moved[moved.count - 1].position += 1
        moved[moved.count - 1].count = 0
        moved[moved.count - 1].phase = 0
        expand(moved, into: &state)
    }

    // MARK: - Cache keys

    /// The frame with its counters clamped to what can matter within `horizon` more bytes:
    /// two frames with the same key accept exactly the same byte strings of that length or
    /// shorter. (A repetition or free string with 30 characters left behaves like one with
    /// 1,000 left, to a token of 16 bytes.)
    func cacheKey(_ frame: GrammarState.Frame, horizon: Int) -> GrammarState.Frame {
        var key = frame
        let elements = grammar.alternatives[Int(frame.alternative)]
        guard Int(frame.position) < elements.count else { return key }
        let cap = horizon + 1
        func clamp(count: Int, min: Int, max: Int?) -> Int32 {
            let toMin = Swift.min(Swift.max(0, min - count), cap)
            let toMax = max.map { Swift.min(Swift.max(0, $0 - count), cap) } ?? cap + 1
            return Int32(toMin * 65_536 + toMax)
        }
        switch elements[Int(frame.position)] {
        case .repeat(_, let min, let max):
            key.count = clamp(count: Int(frame.count), min: min, max: max)
        case .string(let spec) where spec.shape == nil || frame.phase < StringMachine.shapeBase:
            key.count = clamp(count: Int(frame.count), min: spec.minLength, max: spec.maxLength)
        default:
            break
        }
        return key
    }

    /// The state as a cache key: clamped frames, stacks in a fixed order.
    func cacheKey(_ state: GrammarState, horizon: Int) -> GrammarState {
        var stacks = state.stacks.map { $0.map { cacheKey($0, horizon: horizon) } }
        if stacks.count > 1 { stacks.sort(by: Self.precedes) }
        return GrammarState(stacks: stacks)
    }

    private static func precedes(_ a: [GrammarState.Frame], _ b: [GrammarState.Frame]) -> Bool {
        for (x, y) in zip(a, b) where x != y {
            if x.alternative != y.alternative { return x.alternative < y.alternative }
            if x.position != y.position { return x.position < y.position }
            if x.count != y.count { return x.count < y.count }
            return x.phase < y.phase
        }
        return a.count < b.count
    }
}
