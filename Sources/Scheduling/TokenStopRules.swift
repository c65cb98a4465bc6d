/// Stop rules that need only token ids (stop strings need text and live in the engine).
public struct TokenStopRules: Sendable, Hashable {
    /// Output tokens at most; 0 scores the prompt and generates nothing.
    public var maxTokens: Int
    /// End-of-generation tokens are ignored until this many tokens are out.
    public var minTokens: Int
    /// The model's end-of-generation tokens.
    public var endOfGeneration: Set<Int32>
    /// Generate past end-of-generation tokens (benchmarks that force output lengths).
    public var ignoreEndOfGeneration: Bool
    /// Caller-chosen token ids that stop generation; they stop even when `ignoreEndOfGeneration`.
    public var stopTokenIDs: Set<Int32>

    public init(maxTokens: Int, minTokens: Int = 0, endOfGeneration: Set<Int32> = [],
                ignoreEndOfGeneration: Bool = false, stopTokenIDs: Set<Int32> = []) {
        self.maxTokens = maxTokens
        self.minTokens = minTokens
        self.endOfGeneration = endOfGeneration
        self.ignoreEndOfGeneration = ignoreEndOfGeneration
        self.stopTokenIDs = stopTokenIDs
    }

    /// Whether generation ends after `token`, which made the output `outputCount` tokens long.
    func finishReason(after token: Int32, outputCount: Int) -> FinishReason? {
        if stopTokenIDs.contains(token) { return .stop }
        if !ignoreEndOfGeneration, outputCount >= minTokens, endOfGeneration.contains(token) { return .stop }
        if outputCount >= maxTokens { return .length }
        return nil
    }
}
