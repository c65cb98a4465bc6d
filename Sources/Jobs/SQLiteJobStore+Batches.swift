import Foundation
internal import GRDB

/// Creating batches, reading and listing them, and moving them through their life cycle.
/// Results and finalizing are in `SQLiteJobStore+Results.swift` and `SQLiteJobStore+Finalize.swift`.
extension SQLiteJobStore {
    /// The range `batches(limit:)` accepts (OpenAI's).
    public static let batchListLimits = 1...100

    /// Creates a batch in status `validating` with its lines, in one transaction: a batch is
    /// never stored without its lines, nor lines without their batch.
    ///
    /// The lines should come from `BatchInputParser` (or be checked as it checks them);
    /// the store only insists that line indexes and custom ids are unique.
    public func createBatch(
        endpoint: BatchEndpoint,
        inputFileID: String,
        completionWindow: String = "24h",
        metadata: [String: String]? = nil,
        lines: [BatchLine]
    ) throws(JobStoreError) -> StoredBatch {
        let windowSeconds = try Self.completionWindowSeconds(completionWindow)
        try Self.checkUnique(lines)
        return try write("create a batch") { db in
            let createdAt = now()
            let batch = StoredBatch(
                id: JobIdentifiers.newBatchID(), endpoint: endpoint, inputFileID: inputFileID,
                completionWindow: completionWindow, status: .validating, createdAt: createdAt,
                expiresAt: createdAt + windowSeconds, requestCounts: BatchRequestCounts(total: lines.count),
                metadata: metadata)
            try batch.insert(into: db)
            for line in lines {
                try line.insert(batchID: batch.id, into: db)
            }
            return batch
        }
    }

    /// The batch with this id, or nil.
    public func batch(id: String) throws(JobStoreError) -> StoredBatch? {
        try read("read a batch") { db in
            try Self.fetchBatch(id: id, db: db)
        }
    }

    /// Batches newest first, OpenAI style: at most `limit`, starting after the batch whose id
    /// is `after` (the last id of the previous page).
    public func batches(limit: Int = 20, after: String? = nil) throws(JobStoreError) -> [StoredBatch] {
        guard Self.batchListLimits.contains(limit) else {
            throw .invalidLimit(limit, allowed: Self.batchListLimits)
        }
        return try read("list batches") { db in
            var condition = ""
            var arguments: StatementArguments = []
            if let after {
                guard let cursor = try Row.fetchOne(
                    db, sql: "SELECT created_at, rowid FROM batches WHERE id = ?", arguments: [after])
                else {
                    throw JobStoreError.invalidCursor(after)
                }
                let createdAt = try cursor.decode(Int.self, forColumn: "created_at")
                let rowID = try cursor.decode(Int64.self, forColumn: "rowid")
                condition = "WHERE created_at < ? OR (created_at = ? AND rowid < ?)"
                arguments += [createdAt, createdAt, rowID]
            }
            arguments += [limit]
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT \(StoredBatch.columns) FROM batches \(condition)
                    ORDER BY created_at DESC, rowid DESC LIMIT ?
                    """,
                arguments: arguments
            ).map(StoredBatch.init(row:))
        }
    }

    /// Batches the batch worker still has work on (validating, in progress, finalizing,
    /// cancelling), oldest first. A restarted server resumes each of these.
    public func activeBatches() throws(JobStoreError) -> [StoredBatch] {
        let active = BatchStatus.allCases.filter(\.isActive).map(\.rawValue)
        return try read("list active batches") { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT \(StoredBatch.columns) FROM batches
                    WHERE status IN (\(databaseQuestionMarks(count: active.count)))
                    ORDER BY created_at, rowid
                    """,
                arguments: StatementArguments(active)
            ).map(StoredBatch.init(row:))
        }
    }

    // MARK: - Life cycle

    /// validating → in_progress: the worker starts running the batch's lines.
    @discardableResult
    public func startBatch(id: String) throws(JobStoreError) -> StoredBatch {
        try transitionBatch(id: id, to: .inProgress, operation: "start a batch")
    }

    /// validating → failed, keeping why (shown to the user as `batch.errors`).
    @discardableResult
    public func failBatch(id: String, errors: [BatchInputError]) throws(JobStoreError) -> StoredBatch {
        try transitionBatch(id: id, to: .failed, operation: "fail a batch") { batch in
            batch.errors = errors
        }
    }

    /// → cancelling. Lines already running may still record their results; then `finalize`
    /// writes the files for what finished and moves the batch to cancelled.
    @discardableResult
    public func cancelBatch(id: String) throws(JobStoreError) -> StoredBatch {
        try transitionBatch(id: id, to: .cancelling, operation: "cancel a batch")
    }

    /// → expired: the completion window ran out. `finalize` then writes the files for the lines
    /// that finished, as OpenAI does for expired batches.
    @discardableResult
    public func expireBatch(id: String) throws(JobStoreError) -> StoredBatch {
        try transitionBatch(id: id, to: .expired, operation: "expire a batch")
    }

    /// Reads the batch, applies the transition (which checks the life cycle) and `change`,
    /// and writes it back, all in one transaction.
    func transitionBatch(
        id: String,
        to next: BatchStatus,
        operation: String,
        change: (inout StoredBatch) -> Void = { _ in }
    ) throws(JobStoreError) -> StoredBatch {
        try write(operation) { db in
            guard let current = try Self.fetchBatch(id: id, db: db) else {
                throw JobStoreError.batchNotFound(id: id)
            }
            var batch = try current.transitioned(to: next, at: now())
            change(&batch)
            try batch.updateStatus(in: db)
            return batch
        }
    }

    static func fetchBatch(id: String, db: Database) throws -> StoredBatch? {
        try Row.fetchOne(db, sql: "SELECT \(StoredBatch.columns) FROM batches WHERE id = ?", arguments: [id])
            .map(StoredBatch.init(row:))
    }

    // MARK: - Checks on input

    /// Seconds in a window written as hours ("24h", OpenAI's only value).
    static func completionWindowSeconds(_ window: String) throws(JobStoreError) -> Int {
        guard window.hasSuffix("h"), let hours = Int(window.dropLast()), (1...8_760).contains(hours) else {
            throw .unsupportedCompletionWindow(window)
        }
        return hours * 3600
    }

    static func checkUnique(_ lines: [BatchLine]) throws(JobStoreError) {
        var indexes = Set<Int>()
        var customIDs = Set<String>()
        for line in lines {
            guard indexes.insert(line.index).inserted else { throw .duplicateLineIndex(line.index) }
            guard customIDs.insert(line.customID).inserted else { throw .duplicateCustomID(line.customID) }
        }
    }
}

extension StoredBatch {
    /// A new batch, before it is stored.
    init(
        id: String, endpoint: BatchEndpoint, inputFileID: String, completionWindow: String,
        status: BatchStatus, createdAt: Int, expiresAt: Int, requestCounts: BatchRequestCounts,
        metadata: [String: String]?
    ) {
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
}
