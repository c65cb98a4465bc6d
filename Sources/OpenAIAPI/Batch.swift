/// The endpoints a batch can run: every line of its input file is a request to this one.
public enum BatchEndpoint: String, Codable, Sendable, CaseIterable {
    case chatCompletions = "/v1/chat/completions"
    case completions = "/v1/completions"
}

/// A batch job (object "batch"): offline work the server runs in the capacity online traffic
/// leaves idle, as `POST /v1/batches` creates it and `GET /v1/batches/{id}` returns it.
public struct Batch: Codable, Sendable, Equatable, Identifiable {
    public enum Status: String, Codable, Sendable, CaseIterable {
        /// The input file is being checked.
        case validating
        /// The input file was invalid; see `errors`.
        case failed
        case inProgress = "in_progress"
        /// All requests ran; the output files are being written.
        case finalizing
        case completed
        /// The completion window passed before every request ran.
        case expired
        case cancelling
        case cancelled

        /// Whether the batch will change no more.
        public var isTerminal: Bool {
            switch self {
            case .failed, .completed, .expired, .cancelled: true
            case .validating, .inProgress, .finalizing, .cancelling: false
            }
        }
    }

    /// Problems with the input file that failed the batch.
    public typealias Errors = ObjectList<LineError>

    /// One problem, with the input line it was found on when there is one.
    public struct LineError: Codable, Sendable, Equatable {
        @Nullable public var code: String?
        @Nullable public var message: String?
        /// The field of the line's request at fault, as in `APIError.param`.
        @Nullable public var param: String?
        /// 1-based line number in the input file.
        @Nullable public var line: Int?

        public init(code: String?, message: String?, param: String? = nil, line: Int? = nil) {
            self.code = code
            self.message = message
            self.param = param
            self.line = line
        }
    }

    public struct RequestCounts: Codable, Sendable, Equatable {
        public var total: Int
        public var completed: Int
        public var failed: Int

        public init(total: Int = 0, completed: Int = 0, failed: Int = 0) {
            self.total = total
            self.completed = completed
            self.failed = failed
        }
    }

    /// "batch_…"; see `ObjectID.batch()`.
    public var id: String
    public var object = "batch"
    public var endpoint: BatchEndpoint
    @Nullable public var errors: Errors?
    public var inputFileID: String
    /// Always "24h", the only window OpenAI offers.
    public var completionWindow: String
    public var status: Status
    /// Results, one line per request that succeeded; set once finalized.
    @Nullable public var outputFileID: String?
    /// One line per request that failed; set once finalized, if any did.
    @Nullable public var errorFileID: String?
    /// Unix seconds, as are the other times.
    public var createdAt: Int
    // Each of these is null until the batch reaches that state.
    @Nullable public var inProgressAt: Int?
    /// When the completion window closes (set at creation).
    @Nullable public var expiresAt: Int?
    @Nullable public var finalizingAt: Int?
    @Nullable public var completedAt: Int?
    @Nullable public var failedAt: Int?
    @Nullable public var expiredAt: Int?
    @Nullable public var cancellingAt: Int?
    @Nullable public var cancelledAt: Int?
    @Nullable public var requestCounts: RequestCounts?
    /// Up to 16 key–value pairs the client attached at creation.
    @Nullable public var metadata: [String: String]?

    public init(id: String, endpoint: BatchEndpoint, inputFileID: String, completionWindow: String = "24h",
                status: Status, createdAt: Int, expiresAt: Int? = nil, requestCounts: RequestCounts? = RequestCounts(),
                metadata: [String: String]? = nil) {
        self.id = id
        self.endpoint = endpoint
        self.inputFileID = inputFileID
        self.completionWindow = completionWindow
        self.status = status
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.requestCounts = requestCounts
        self.metadata = metadata
    }

    enum CodingKeys: String, CodingKey {
        case id, object, endpoint, errors, status, metadata
        case inputFileID = "input_file_id"
        case completionWindow = "completion_window"
        case outputFileID = "output_file_id"
        case errorFileID = "error_file_id"
        case createdAt = "created_at"
        case inProgressAt = "in_progress_at"
        case expiresAt = "expires_at"
        case finalizingAt = "finalizing_at"
        case completedAt = "completed_at"
        case failedAt = "failed_at"
        case expiredAt = "expired_at"
        case cancellingAt = "cancelling_at"
        case cancelledAt = "cancelled_at"
        case requestCounts = "request_counts"
    }
}

/// The body of `GET /v1/batches`: a page of batches, newest first.
public typealias BatchList = ListPage<Batch>
