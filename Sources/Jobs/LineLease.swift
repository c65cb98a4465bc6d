/// One batch line held by one worker: the line, what to run it against, and the lease that
/// fences its result (`owner` and `attempt` must still be the line's when the result is written).
public struct LineLease: Sendable, Hashable {
    /// Which line of which batch.
    public struct Key: Sendable, Hashable {
        public var batchID: String
        public var lineIndex: Int

        public init(batchID: String, lineIndex: Int) {
            self.batchID = batchID
            self.lineIndex = lineIndex
        }
    }

    public var batchID: String
    public var endpoint: BatchEndpoint
    public var line: BatchLine
    /// The worker holding the lease (one per server process).
    public var owner: String
    /// How many times the line has been leased, this lease included: a line reclaimed after
    /// its lease expired gets a new attempt, and results of older attempts are refused.
    public var attempt: Int

    public init(batchID: String, endpoint: BatchEndpoint, line: BatchLine, owner: String, attempt: Int) {
        self.batchID = batchID
        self.endpoint = endpoint
        self.line = line
        self.owner = owner
        self.attempt = attempt
    }

    public var key: Key { Key(batchID: batchID, lineIndex: line.index) }

    /// A name for a new holder of leases (a server process): unique, so a restarted replica
    /// does not take its dead predecessor's leases for its own.
    public static func newOwner() -> String { "replica-" + JobIdentifiers.randomAlphanumerics(count: 12) }
}
