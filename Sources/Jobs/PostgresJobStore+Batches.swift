import Foundation
import PostgresNIO

/// Creating batches, reading and listing them, and moving them through their life cycle.
extension PostgresJobStore {
    public func createBatch(endpoint: BatchEndpoint, inputFileID: String, completionWindow: String,
                            metadata: [String: String]?, lines: [BatchLine]) async throws(JobStoreError) -> StoredBatch {
        let windowSeconds = try SQLiteJobStore.completionWindowSeconds(completionWindow)
        try SQLiteJobStore.checkUnique(lines)
        let createdAt = now()
        let batch = StoredBatch(
            id: JobIdentifiers.newBatchID(), endpoint: endpoint, inputFileID: inputFileID,
            completionWindow: completionWindow, status: .validating, createdAt: createdAt,
            expiresAt: createdAt + windowSeconds, requestCounts: BatchRequestCounts(total: lines.count), metadata: metadata)
        let (metadataJSON, errorsJSON) = try Self.encode { (try StoredBatch.encodeJSON(metadata), try StoredBatch.encodeJSON(batch.errors)) }
        let logger = self.logger
        try await transaction("create a batch") { connection in
            try await connection.rows("""
                INSERT INTO batches (id, endpoint, input_file_id, completion_window, status, created_at, expires_at,
                                     request_counts_total, metadata, errors)
                VALUES (\(batch.id), \(endpoint.rawValue), \(inputFileID), \(completionWindow), \(batch.status.rawValue),
                        \(createdAt), \(batch.expiresAt), \(lines.count), \(metadataJSON), \(errorsJSON))
                """, logger: logger)
            // Many rows per statement: a batch may have 50,000 lines (and a statement at most 65,535 binds).
            for chunk in stride(from: 0, to: lines.count, by: 1_000).map({ lines[$0..<min($0 + 1_000, lines.count)] }) {
                var binds = PostgresBindings()
                var tuples: [String] = []
                for (offset, line) in chunk.enumerated() {
                    let first = offset * 6
                    tuples.append("(" + (1...6).map { "$\(first + $0)" }.joined(separator: ", ") + ")")
                    binds.append(batch.id)
                    binds.append(line.index)
                    binds.append(line.customID)
                    binds.append(line.method)
                    binds.append(line.url)
                    try binds.append(line.body)
                }
                let sql = "INSERT INTO batch_lines (batch_id, line_index, custom_id, method, url, body) VALUES "
                    + tuples.joined(separator: ", ")
                try await connection.rows(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
            }
        }
        return batch
    }

    public func batch(id: String) async throws(JobStoreError) -> StoredBatch? {
        try await query("read a batch", "SELECT \(unescaped: StoredBatch.columns) FROM batches WHERE id = \(id)")
            .first.map(StoredBatch.init(postgres:))
    }

    public func batches(limit: Int, after: String?) async throws(JobStoreError) -> [StoredBatch] {
        guard SQLiteJobStore.batchListLimits.contains(limit) else {
            throw .invalidLimit(limit, allowed: SQLiteJobStore.batchListLimits)
        }
        let cursor = try await listCursor(after: after, in: "batches")
        return try await query("list batches", """
            SELECT \(unescaped: StoredBatch.columns) FROM batches
            WHERE \(cursor?.createdAt)::bigint IS NULL OR (created_at, seq) < (\(cursor?.createdAt)::bigint, \(cursor?.seq)::bigint)
            ORDER BY created_at DESC, seq DESC LIMIT \(limit)
            """).map(StoredBatch.init(postgres:))
    }

    public func activeBatches() async throws(JobStoreError) -> [StoredBatch] {
        let active = BatchStatus.allCases.filter(\.isActive).map(\.rawValue)
        return try await query("list active batches", """
            SELECT \(unescaped: StoredBatch.columns) FROM batches WHERE status = ANY(\(active)) ORDER BY created_at, seq
            """).map(StoredBatch.init(postgres:))
    }

    public func pendingLineCount(batchID: String) async throws(JobStoreError) -> Int {
        try await query("count pending batch lines", "SELECT count(*) AS n FROM batch_lines WHERE batch_id = \(batchID) AND NOT done")
            .first.map { row throws(JobStoreError) in try Self.decode { try row.value("n", as: Int.self) } } ?? 0
    }

    /// validating → in_progress; wakes idle replicas (the notification is sent at commit).
    public func startBatch(id: String) async throws(JobStoreError) -> StoredBatch {
        try await transitionBatch(id: id, to: .inProgress, operation: "start a batch", notify: true)
    }

    public func failBatch(id: String, errors: [BatchInputError]) async throws(JobStoreError) -> StoredBatch {
        try await transitionBatch(id: id, to: .failed, operation: "fail a batch") { $0.errors = errors }
    }

    public func cancelBatch(id: String) async throws(JobStoreError) -> StoredBatch {
        try await transitionBatch(id: id, to: .cancelling, operation: "cancel a batch")
    }

    public func expireBatch(id: String) async throws(JobStoreError) -> StoredBatch {
        try await transitionBatch(id: id, to: .expired, operation: "expire a batch")
    }

    /// Locks the batch's row, applies the transition (which checks the life cycle) and `change`,
    /// and writes it back, in one transaction.
    func transitionBatch(id: String, to next: BatchStatus, operation: String, notify: Bool = false,
                         change: @escaping @Sendable (inout StoredBatch) -> Void = { _ in }) async throws(JobStoreError) -> StoredBatch {
        let (logger, time) = (self.logger, now())
        return try await transaction(operation) { connection in
            guard let current = try await Self.lockBatch(id: id, connection: connection, logger: logger) else {
                throw JobStoreError.batchNotFound(id: id)
            }
            var batch = try current.transitioned(to: next, at: time)
            change(&batch)
            try await Self.updateStatus(of: batch, connection: connection, logger: logger)
            if notify { try await connection.rows("SELECT pg_notify(\(Self.linesChannel), \(id))", logger: logger) }
            return batch
        }
    }

    /// The batch, its row locked until the transaction ends.
    static func lockBatch(id: String, connection: PostgresConnection, logger: Logger) async throws -> StoredBatch? {
        try await connection.rows("SELECT \(unescaped: StoredBatch.columns) FROM batches WHERE id = \(id) FOR UPDATE", logger: logger)
            .first.map(StoredBatch.init(postgres:))
    }

    /// Writes what a transition changes; request counts belong to `complete`.
    static func updateStatus(of batch: StoredBatch, connection: PostgresConnection, logger: Logger) async throws {
        try await connection.rows("""
            UPDATE batches SET status = \(batch.status.rawValue), output_file_id = \(batch.outputFileID),
                error_file_id = \(batch.errorFileID), in_progress_at = \(batch.inProgressAt),
                finalizing_at = \(batch.finalizingAt), completed_at = \(batch.completedAt), failed_at = \(batch.failedAt),
                expired_at = \(batch.expiredAt), cancelling_at = \(batch.cancellingAt), cancelled_at = \(batch.cancelledAt),
                errors = \(try StoredBatch.encodeJSON(batch.errors))
            WHERE id = \(batch.id)
            """, logger: logger)
    }

    static func encode<T>(_ body: () throws -> T) throws(JobStoreError) -> T {
        do { return try body() } catch {
            throw .database(operation: "encode a batch", reason: String(describing: error))
        }
    }
}

extension StoredBatch {
    init(postgres row: PostgresRandomAccessRow) throws(JobStoreError) {
        let id = try PostgresJobStore.decode { try row.value("id", as: String.self) }
        func corrupt(_ reason: String) -> JobStoreError { .corruptRecord(table: "batches", id: id, reason: reason) }
        let (endpointText, statusText) = try PostgresJobStore.decode {
            (try row.value("endpoint", as: String.self), try row.value("status", as: String.self))
        }
        guard let endpoint = BatchEndpoint(rawValue: endpointText) else { throw corrupt("unknown endpoint '\(endpointText)'") }
        guard let status = BatchStatus(rawValue: statusText) else { throw corrupt("unknown status '\(statusText)'") }
        do {
            self.init(id: id, endpoint: endpoint, inputFileID: try row.value("input_file_id"),
                      completionWindow: try row.value("completion_window"), status: status,
                      createdAt: try row.value("created_at"), expiresAt: try row.value("expires_at"),
                      requestCounts: BatchRequestCounts(total: try row.value("request_counts_total"),
                                                        completed: try row.value("request_counts_completed"),
                                                        failed: try row.value("request_counts_failed")),
                      metadata: try Self.decodeJSON([String: String].self, try row.value("metadata")))
            outputFileID = try row.value("output_file_id")
            errorFileID = try row.value("error_file_id")
            inProgressAt = try row.value("in_progress_at")
            finalizingAt = try row.value("finalizing_at")
            completedAt = try row.value("completed_at")
            failedAt = try row.value("failed_at")
            expiredAt = try row.value("expired_at")
            cancellingAt = try row.value("cancelling_at")
            cancelledAt = try row.value("cancelled_at")
            errors = try Self.decodeJSON([BatchInputError].self, try row.value("errors"))
        } catch {
            throw corrupt("a column is not what the store writes: \(error)")
        }
    }
}
