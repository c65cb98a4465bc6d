/// Literal text around JSON values, for output that is not JSON alone: each value written
/// between `prefix` and `suffix`, `count` of them in a row with `separator` between two.
///
/// Hermes-style tool calls (Qwen 2.5's chat template) are
/// `TextFrame(prefix: "<tool_call>\n", suffix: "\n</tool_call>", separator: "\n", count: 1...4)`.
public struct TextFrame: Sendable, Hashable {
    public var prefix: String
    public var suffix: String
    public var separator: String
    /// How many framed values, at least one.
    public var count: ClosedRange<Int>

    public init(prefix: String, suffix: String, separator: String = "", count: ClosedRange<Int> = 1...1) {
        precondition(count.lowerBound >= 1, "a frame holds at least one value")
        self.prefix = prefix
        self.suffix = suffix
        self.separator = separator
        self.count = count
    }
}
