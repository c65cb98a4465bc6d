import Foundation
internal import GRDB

/// A batch job, with the fields of OpenAI's Batch object. Times are Unix seconds.
public struct StoredBatch: Sendable, Hashable {
    /// `batch_` followed by 24 letters and digits.
    public var id: String
    public var endpoint: BatchEndpoint
    public var inputFileID: String
    /// How long the batch may take, e.g. "24h"; `expiresAt` is `createdAt` plus this.
    public var completionWindow: String
    public var status: BatchStatus
    /// Set when the batch completes, is cancelled or expires: one line per successful request.
    public var outputFileID: String?
    /// Set with `outputFileID` when at least one request failed.
    public var errorFileID: String?
    public var createdAt: Int
    public var inProgressAt: Int?
    public var finalizingAt: Int?
    public var completedAt: Int?
    public var failedAt: Int?
    public var expiredAt: Int?
    public var cancellingAt: Int?
    public var cancelledAt: Int?
    public var expiresAt: Int
    public var requestCounts: BatchRequestCounts
    public var metadata: [String: String]?
    /// Why the batch failed validation; nil when it did not.
    public var errors: [BatchInputError]?

    /// Whether the output (and error) files have been written.
    public var hasOutputFiles: Bool { outputFileID != nil }

    /// This batch moved to `next`, with that status's time stamp set to `time`.
    /// The only way the store changes a batch's status.
    public func transitioned(to next: BatchStatus, at time: Int) throws(JobStoreError) -> StoredBatch {
        guard status.canTransition(to: next) else {
            throw .illegalTransition(batchID: id, from: status, to: next)
        }
        var batch = self
        batch.status = next
        switch next {
        case .validating: break  // only ever the first status
        case .failed: batch.failedAt = time
        case .inProgress: batch.inProgressAt = time
        case .finalizing: batch.finalizingAt = time
        case .completed: batch.completedAt = time
        case .expired: batch.expiredAt = time
        case .cancelling: batch.cancellingAt = time
        case .cancelled: batch.cancelledAt = time
        }
        return batch
    }
}

/// The endpoints a batch can target: every line of a batch posts to the same one.
public enum BatchEndpoint: String, Sendable, Hashable, CaseIterable {
    case chatCompletions = "/v1/chat/completions"
    case completions = "/v1/completions"
}

/// How many of a batch's requests there are and how many have finished, each way.
public struct BatchRequestCounts: Sendable, Hashable {
    public var total: Int
    /// Finished with a successful response (they go to the output file).
    public var completed: Int
    /// Finished with an error (they go to the error file).
    public var failed: Int

    /// Lines that have no result yet.
    public var pending: Int { total - completed - failed }

    public init(total: Int, completed: Int = 0, failed: Int = 0) {
        self.total = total
        self.completed = completed
        self.failed = failed
    }
}

// MARK: - Rows

extension StoredBatch {
    static let columns = """
        id, endpoint, input_file_id, completion_window, status, output_file_id, error_file_id, \
        created_at, in_progress_at, finalizing_at, completed_at, failed_at, expired_at, \
        cancelling_at, cancelled_at, expires_at, \
        request_counts_total, request_counts_completed, request_counts_failed, metadata, errors
        """

    init(row: Row) throws {
        let id = try row.decode(String.self, forColumn: "id")
        func corrupt(_ reason: String) -> JobStoreError {
            .corruptRecord(table: "batches", id: id, reason: reason)
        }
        let endpointText = try row.decode(String.self, forColumn: "endpoint")
        guard let endpoint = BatchEndpoint(rawValue: endpointText) else {
            throw corrupt("unknown endpoint '\(endpointText)'")
        }
        let statusText = try row.decode(String.self, forColumn: "status")
        guard let status = BatchStatus(rawValue: statusText) else {
            throw corrupt("unknown status '\(statusText)'")
        }
        self.id = id
        self.endpoint = endpoint
        self.status = status
        inputFileID = try row.decode(String.self, forColumn: "input_file_id")
        completionWindow = try row.decode(String.self, forColumn: "completion_window")
        outputFileID = try row.decode(String?.self, forColumn: "output_file_id")
        errorFileID = try row.decode(String?.self, forColumn: "error_file_id")
        createdAt = try row.decode(Int.self, forColumn: "created_at")
        inProgressAt = try row.decode(Int?.self, forColumn: "in_progress_at")
        finalizingAt = try row.decode(Int?.self, forColumn: "finalizing_at")
        completedAt = try row.decode(Int?.self, forColumn: "completed_at")
        failedAt = try row.decode(Int?.self, forColumn: "failed_at")
        expiredAt = try row.decode(Int?.self, forColumn: "expired_at")
        cancellingAt = try row.decode(Int?.self, forColumn: "cancelling_at")
        cancelledAt = try row.decode(Int?.self, forColumn: "cancelled_at")
        expiresAt = try row.decode(Int.self, forColumn: "expires_at")
        requestCounts = BatchRequestCounts(
            total: try row.decode(Int.self, forColumn: "request_counts_total"),
            completed: try row.decode(Int.self, forColumn: "request_counts_completed"),
            failed: try row.decode(Int.self, forColumn: "request_counts_failed"))
        do {
            metadata = try Self.decodeJSON([String: String].self, row.decode(String?.self, forColumn: "metadata"))
            errors = try Self.decodeJSON([BatchInputError].self, row.decode(String?.self, forColumn: "errors"))
        } catch is DecodingError {
            throw corrupt("metadata or errors is not the JSON the store writes")
        }
    }

    func insert(into db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO batches (\(Self.columns))
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                id, endpoint.rawValue, inputFileID, completionWindow, status.rawValue, outputFileID, errorFileID,
                createdAt, inProgressAt, finalizingAt, completedAt, failedAt, expiredAt,
                cancellingAt, cancelledAt, expiresAt,
                requestCounts.total, requestCounts.completed, requestCounts.failed,
                try Self.encodeJSON(metadata), try Self.encodeJSON(errors),
            ])
    }

    /// Writes what a transition changes: status, time stamps, output files and errors.
    /// Request counts are left alone: `recordResult` owns them and increments them in place.
    func updateStatus(in db: Database) throws {
        try db.execute(
            sql: """
                UPDATE batches SET status = ?, output_file_id = ?, error_file_id = ?,
                    in_progress_at = ?, finalizing_at = ?, completed_at = ?, failed_at = ?, expired_at = ?,
                    cancelling_at = ?, cancelled_at = ?, errors = ?
                WHERE id = ?
                """,
            arguments: [
                status.rawValue, outputFileID, errorFileID,
                inProgressAt, finalizingAt, completedAt, failedAt, expiredAt,
                cancellingAt, cancelledAt, try Self.encodeJSON(errors),
                id,
            ])
    }

    static func encodeJSON<Value: Encodable>(_ value: Value?) throws -> String? {
        guard let value else { return nil }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decodeJSON<Value: Decodable>(_ type: Value.Type, _ text: String?) throws -> Value? {
        guard let text else { return nil }
        return try JSONDecoder().decode(type, from: Data(text.utf8))
    }
}
