/// What the simulated executor keeps for a request: the output length its trace gives it.
/// Travels as the scheduler's opaque `executorSettings`.
public struct SimulatedRequestSettings: Sendable, Hashable {
    public var outputTokens: Int

    public init(outputTokens: Int) {
        self.outputTokens = outputTokens
    }
}
