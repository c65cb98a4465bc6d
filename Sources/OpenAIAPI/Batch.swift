/// The endpoints a batch can run: every line of its input file is a request to this one.
public enum BatchEndpoint: String, Codable, Sendable, CaseIterable {
    case chatCompletions = "/v1/chat/completions"
    case completions = "/v1/completions"
}

/// A batch job (object "batch"): offline work the server runs in the capacity online traffic
/// leaves idle, as `POST /v1/batches` creates it and `GET /v1/batches/{id}` returns it.
public struct Batch: Codable, Sendable, Equatable {
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
    public struct Errors: Codable, Sendable, Equatable {
        public var object = "list"
        public var data: [LineError]

        public init(data: [LineError]) {
            self.data = data
        }
    }

    /// One problem, with the input line it was found on when there is one.
    public struct LineError: Codable, Sendable, Equatable {
        public var code: String?
        public var message: String?
        /// The field of the line's request at fault, as in `APIError.param`.
        public var param: String?
        /// 1-based line number in the input file.
        public var line: Int?

        public init(code: String?, message: String?, param: String? = nil, line: Int? = nil) {
            self.code = code
            self.message = message
            self.param = param
            self.line = line
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(code, forKey: .code)
            try container.encode(message, forKey: .message)
            try container.encode(param, forKey: .param)
            try container.encode(line, forKey: .line)
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
    public var errors: Errors?
    public var inputFileID: String
    /// Always "24h", the only window OpenAI offers.
    public var completionWindow: String
    public var status: Status
    /// Results, one line per request that succeeded; set once finalized.
    public var outputFileID: String?
    /// One line per request that failed; set once finalized, if any did.
    public var errorFileID: String?
    /// Unix seconds, as are the other times.
    public var createdAt: Int
    // Each of these is null until the batch reaches that state.
    public var inProgressAt: Int?
    /// When the completion window closes (set at creation).
    public var expiresAt: Int?
    public var finalizingAt: Int?
    public var completedAt: Int?
    public var failedAt: Int?
    public var expiredAt: Int?
    public var cancellingAt: Int?
    public var cancelledAt: Int?
    public var requestCounts: RequestCounts?
    /// Up to 16 key–value pairs the client attached at creation.
    public var metadata: [String: String]?

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

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(object, forKey: .object)
        try container.encode(endpoint, forKey: .endpoint)
        try container.encode(errors, forKey: .errors)
        try container.encode(inputFileID, forKey: .inputFileID)
        try container.encode(completionWindow, forKey: .completionWindow)
        try container.encode(status, forKey: .status)
        try container.encode(outputFileID, forKey: .outputFileID)
        try container.encode(errorFileID, forKey: .errorFileID)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(inProgressAt, forKey: .inProgressAt)
        try container.encode(expiresAt, forKey: .expiresAt)
        try container.encode(finalizingAt, forKey: .finalizingAt)
        try container.encode(completedAt, forKey: .completedAt)
        try container.encode(failedAt, forKey: .failedAt)
        try container.encode(expiredAt, forKey: .expiredAt)
        try container.encode(cancellingAt, forKey: .cancellingAt)
        try container.encode(cancelledAt, forKey: .cancelledAt)
        try container.encode(requestCounts, forKey: .requestCounts)
        try container.encode(metadata, forKey: .metadata)
    }
}

/// The body of `GET /v1/batches`: a page of batches, newest first.
public struct BatchList: Codable, Sendable, Equatable {
    public var object = "list"
    public var data: [Batch]
    public var firstID: String?
    public var lastID: String?
    /// Whether more batches follow `lastID` (ask with `after=<lastID>`).
    public var hasMore: Bool

    public init(data: [Batch], hasMore: Bool = false) {
        self.data = data
        self.firstID = data.first?.id
        self.lastID = data.last?.id
        self.hasMore = hasMore
    }

    enum CodingKeys: String, CodingKey {
        case object, data
        case firstID = "first_id"
        case lastID = "last_id"
        case hasMore = "has_more"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(object, forKey: .object)
        try container.encode(data, forKey: .data)
        try container.encode(firstID, forKey: .firstID)
        try container.encode(lastID, forKey: .lastID)
        try container.encode(hasMore, forKey: .hasMore)
    }
}
