/// Where a grammar's matcher stands: every way the bytes so far can be read, each as a stack
/// of frames. Several stacks are alive where the grammar cannot yet tell alternatives apart
/// (`anyOf` branches that start alike, an optional property, a number that may go on or end).
///
/// Every stack is "ready": its top frame sits at an element that consumes bytes. An empty
/// stack means the whole grammar has matched.
public struct GrammarState: Hashable, Sendable {
    /// One level of a stack: alternative `alternative` of some rule, at element `position`,
    /// with that element's progress (`phase`, `count`: literal offset, string or number
    /// machine state, repetitions so far).
    public struct Frame: Hashable, Sendable {
        public var alternative: Int32
        public var position: Int32
        public var count: Int32
        public var phase: Int32

        init(alternative: Int, position: Int = 0) {
            self.alternative = Int32(alternative)
            self.position = Int32(position)
            count = 0
            phase = 0
        }
    }

    public internal(set) var stacks: [[Frame]]

    init(stacks: [[Frame]] = []) { self.stacks = stacks }

    /// Whether the bytes so far are a complete match.
    public var isAccepting: Bool { stacks.contains { $0.isEmpty } }
    /// Whether no continuation can match: the last byte was wrong.
    public var isDead: Bool { stacks.isEmpty }
    /// Whether more bytes could still be taken.
    public var canContinue: Bool { stacks.contains { !$0.isEmpty } }

    mutating func insert(_ stack: [Frame]) {
        if !stacks.contains(stack) { stacks.append(stack) }
    }
}
