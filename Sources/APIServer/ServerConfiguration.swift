/// What `conserve serve` listens on and enforces, besides the engine's own flags.
public struct ServerConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8000
    /// When set, every `/v1` route needs `Authorization: Bearer <key>`.
    public var apiKey: String?
    /// Largest request body accepted, in bytes (413 above it).
    public var maxBodySize = 32 << 20
    /// Online requests waiting for their first token at most; more get 429.
    public var maxQueuedOnline = 256
    /// Batch lines run at once at most.
    public var batchConcurrency = 64
    /// How long a batch line's lease lasts without a heartbeat (the visibility timeout): a
    /// replica that dies loses its lines to the others this long after its last heartbeat.
    public var batchLeaseDuration: Duration = .seconds(30)
    /// How often an idle worker looks for lines without being woken (a missed notification,
    /// an expired lease).
    public var batchPollInterval: Duration = .seconds(2)
    /// The name `/v1/models` lists and requests must use.
    public var modelName: String

    public init(modelName: String) {
        self.modelName = modelName
    }
}
