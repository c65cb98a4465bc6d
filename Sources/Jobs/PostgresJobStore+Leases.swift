import Foundation
import PostgresNIO

/// Per-line leases, as PostgreSQL job queues (River, Oban, pg-boss) lease jobs:
///
/// - **claim**: `FOR UPDATE SKIP LOCKED` over lines still to do whose lease is free or expired,
///   oldest batch first and in line order; the claim sets the owner, a new attempt number and
///   an expiry on the database's clock. Two replicas claiming at once skip each other's rows,
///   so a line is never held by both.
/// - **heartbeat**: the owner pushes the expiry of every line it holds; a replica that dies
///   stops renewing, and after the visibility timeout its lines are claimable again.
/// - **fenced completion**: one statement marks the line done, inserts the result and counts
///   it, only if the line's owner and attempt are still the lease's and the batch takes
///   results; the result's primary key (batch, line) makes a second result impossible.
extension PostgresJobStore {
    public func claimLines(owner: String, limit: Int, duration: Duration) async throws(JobStoreError) -> [LineLease] {
        guard limit > 0 else { return [] }
        let rows = try await query("claim batch lines", """
            WITH picked AS (
                SELECT l.batch_id, l.line_index
                FROM batch_lines AS l JOIN batches AS b ON b.id = l.batch_id
                WHERE NOT l.done AND b.status = 'in_progress'
                  AND (l.lease_owner IS NULL OR l.lease_expires_at < clock_timestamp())
                ORDER BY b.created_at, b.seq, l.line_index
                LIMIT \(limit)
                FOR UPDATE OF l SKIP LOCKED
            )
            UPDATE batch_lines AS l
            SET lease_owner = \(owner), lease_attempt = l.lease_attempt + 1,
                lease_expires_at = clock_timestamp() + make_interval(secs => \(duration.inSeconds))
            FROM picked, batches AS b
            WHERE l.batch_id = picked.batch_id AND l.line_index = picked.line_index AND b.id = l.batch_id
            RETURNING l.batch_id, b.endpoint, l.line_index, l.custom_id, l.method, l.url, l.body, l.lease_attempt
            """)
        return try rows.map { row throws(JobStoreError) in
            let (batchID, endpointText) = try Self.decode { (try row.value("batch_id", as: String.self), try row.value("endpoint", as: String.self)) }
            guard let endpoint = BatchEndpoint(rawValue: endpointText) else {
                throw .corruptRecord(table: "batches", id: batchID, reason: "unknown endpoint '\(endpointText)'")
            }
            return try Self.decode {
                LineLease(batchID: batchID, endpoint: endpoint,
                          line: BatchLine(index: try row.value("line_index"), customID: try row.value("custom_id"),
                                          method: try row.value("method"), url: try row.value("url"), body: try row.value("body")),
                          owner: owner, attempt: try row.value("lease_attempt"))
            }
        }.sorted { ($0.batchID, $0.line.index) < ($1.batchID, $1.line.index) }
    }

    public func renewLeases(owner: String, duration: Duration) async throws(JobStoreError) -> Set<LineLease.Key> {
        let rows = try await query("renew leases", """
            UPDATE batch_lines SET lease_expires_at = clock_timestamp() + make_interval(secs => \(duration.inSeconds))
            WHERE lease_owner = \(owner) AND NOT done
            RETURNING batch_id, line_index
            """)
        return Set(try rows.map { row throws(JobStoreError) in
            try Self.decode { LineLease.Key(batchID: try row.value("batch_id"), lineIndex: try row.value("line_index")) }
        })
    }

    public func complete(_ lease: LineLease, response: Data?, statusCode: Int, error: Data?) async throws(JobStoreError) -> Bool {
        let (batchID, lineIndex) = (lease.batchID, lease.line.index)
        guard response != nil || error != nil else { throw .emptyResult(batchID: batchID, lineIndex: lineIndex) }
        let responseJSON = try SQLiteJobStore.singleLineJSONObject(response, batchID: batchID, lineIndex: lineIndex, field: "response")
        let errorJSON = try SQLiteJobStore.singleLineJSONObject(error, batchID: batchID, lineIndex: lineIndex, field: "error")
        let succeeded = responseJSON != nil && errorJSON == nil && (200..<300).contains(statusCode)
        // One statement, so all of it happens or none. The batch row is locked first (NO KEY
        // UPDATE: results of one batch take turns, and finalizing waits for them), then the
        // fence: the line must still be this lease's and not done.
        let statement = try Self.encode { () throws -> PostgresQuery in try """
            WITH batch AS (
                SELECT id FROM batches WHERE id = \(batchID) AND status IN ('in_progress', 'cancelling') FOR NO KEY UPDATE
            ), line AS (
                UPDATE batch_lines SET done = true, lease_owner = NULL, lease_expires_at = NULL
                WHERE batch_id = \(batchID) AND line_index = \(lineIndex) AND NOT done
                  AND lease_owner = \(lease.owner) AND lease_attempt = \(lease.attempt)
                  AND EXISTS (SELECT 1 FROM batch)
                RETURNING batch_id, line_index
            ), result AS (
                INSERT INTO batch_results (batch_id, line_index, status_code, succeeded, response, error, recorded_at, owner, attempt)
                SELECT batch_id, line_index, \(statusCode), \(succeeded), \(responseJSON), \(errorJSON), \(now()),
                       \(lease.owner), \(lease.attempt)
                FROM line
                ON CONFLICT (batch_id, line_index) DO NOTHING
                RETURNING batch_id
            )
            UPDATE batches SET
                request_counts_completed = request_counts_completed + \(succeeded ? 1 : 0),
                request_counts_failed = request_counts_failed + \(succeeded ? 0 : 1)
            FROM result WHERE batches.id = result.batch_id
            RETURNING batches.id
            """ }
        return !(try await query("record a batch result", statement)).isEmpty
    }

    public func release(_ leases: [LineLease]) async throws(JobStoreError) {
        for lease in leases {
            try await query("release a lease", """
                UPDATE batch_lines SET lease_owner = NULL, lease_expires_at = NULL
                WHERE batch_id = \(lease.batchID) AND line_index = \(lease.line.index) AND NOT done
                  AND lease_owner = \(lease.owner) AND lease_attempt = \(lease.attempt)
                """)
        }
    }

    /// A tick per `NOTIFY` on the lines channel, from a connection of its own (a pooled
    /// connection may not stay listening). Reconnects after a second when the connection drops;
    /// missed notifications are covered by the worker's polling.
    public func lineArrivals() -> AsyncStream<Void>? {
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let (client, logger) = (self.client, self.logger)
        let listener = Task {
            while !Task.isCancelled {
                do {
                    // Holds one of the pool's connections for as long as it listens.
                    try await client.withConnection { connection in
                        try await connection.listen(on: Self.linesChannel) { notifications in
                            for try await _ in notifications { continuation.yield() }
                        }
                    }
                } catch {
                    logger.debug("listening for batch lines: \(Self.reason(error)); retrying in 1 s")
                }
                try? await Task.sleep(for: .seconds(1))
            }
        }
        continuation.onTermination = { _ in listener.cancel() }
        return stream
    }
}

extension PostgresJobStore: JobStore {}

extension Duration {
    /// Whole and fractional seconds, for SQL intervals.
    var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
