import Foundation
internal import GRDB

/// Results of batch lines, committed one at a time as they finish, and the lines still to run.
///
/// This is what makes a batch survive a crash: a result and the counts it changes commit in
/// one transaction, and a line has at most one result (UNIQUE(batch_id, line_index)), so a
/// restarted server runs exactly `pendingLines` and nothing it has already answered.
extension SQLiteJobStore {
    /// Records the result of one line and updates the batch's request counts, in one transaction.
    ///
    /// The line counts as completed when it has a response, no error and a 2xx status; any
    /// other result counts as failed. Recording a line that already has a result changes
    /// nothing and returns false, so a line re-run after a crash is never counted or written
    /// twice: the first result stands.
    ///
    /// - Parameters:
    ///   - response: the JSON body of the response.
    ///   - statusCode: the HTTP status the endpoint answered with.
    ///   - error: a JSON error object (`{"code": ..., "message": ...}`) when the line failed.
    /// - Returns: true if this call stored the result.
    @discardableResult
    public func recordResult(
        batchID: String,
        lineIndex: Int,
        response: Data?,
        statusCode: Int,
        error: Data?
    ) throws(JobStoreError) -> Bool {
        guard response != nil || error != nil else {
            throw .emptyResult(batchID: batchID, lineIndex: lineIndex)
        }
        // Checked before the transaction: the output file embeds these bytes as they are.
        let responseJSON = try Self.singleLineJSONObject(response, batchID: batchID, lineIndex: lineIndex, field: "response")
        let errorJSON = try Self.singleLineJSONObject(error, batchID: batchID, lineIndex: lineIndex, field: "error")
        let succeeded = responseJSON != nil && errorJSON == nil && (200..<300).contains(statusCode)

        return try write("record a batch result") { db in
            guard let status = try String.fetchOne(
                db, sql: "SELECT status FROM batches WHERE id = ?", arguments: [batchID])
            else {
                throw JobStoreError.batchNotFound(id: batchID)
            }
            let lineExists = try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM batch_lines WHERE batch_id = ? AND line_index = ?)",
                arguments: [batchID, lineIndex]) ?? false
            guard lineExists else {
                throw JobStoreError.lineNotFound(batchID: batchID, lineIndex: lineIndex)
            }
            let alreadyRecorded = try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM batch_results WHERE batch_id = ? AND line_index = ?)",
                arguments: [batchID, lineIndex]) ?? false
            if alreadyRecorded {
                return false
            }
            guard let batchStatus = BatchStatus(rawValue: status) else {
                throw JobStoreError.corruptRecord(table: "batches", id: batchID, reason: "unknown status '\(status)'")
            }
            guard batchStatus.acceptsResults else {
                throw JobStoreError.batchNotAcceptingResults(batchID: batchID, status: batchStatus)
            }
            // ON CONFLICT DO NOTHING as well as the check above: the constraint, not the
            // check, is what guarantees one result per line.
            try db.cachedStatement(sql: """
                INSERT INTO batch_results
                    (batch_id, line_index, status_code, succeeded, response, error, recorded_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (batch_id, line_index) DO NOTHING
                """
            ).execute(arguments: [batchID, lineIndex, statusCode, succeeded, responseJSON, errorJSON, now()])
            guard db.changesCount == 1 else {
                return false
            }
            let counter = succeeded ? "request_counts_completed" : "request_counts_failed"
            try db.execute(sql: "UPDATE batches SET \(counter) = \(counter) + 1 WHERE id = ?", arguments: [batchID])
            return true
        }
    }

    /// Lines of the batch that have no result yet, in input order: what a worker (or a
    /// restarted server) still has to run. `after` skips lines up to and including that
    /// index, to page through a large batch.
    public func pendingLines(batchID: String, after: Int? = nil, limit: Int = 1_000) throws(JobStoreError) -> [BatchLine] {
        guard limit >= 1 else {
            throw .invalidLimit(limit, allowed: 1...Int.max)
        }
        return try read("list pending batch lines") { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT \(BatchLine.columns) FROM batch_lines AS l
                    WHERE l.batch_id = ? AND l.line_index > ?
                      AND NOT EXISTS (
                          SELECT 1 FROM batch_results AS r
                          WHERE r.batch_id = l.batch_id AND r.line_index = l.line_index)
                    ORDER BY l.line_index
                    LIMIT ?
                    """,
                arguments: [batchID, after ?? Int.min, limit]
            ).map(BatchLine.init(row:))
        }
    }

    /// Whether the line has a result, read in a fresh snapshot.
    public func hasResult(batchID: String, lineIndex: Int) throws(JobStoreError) -> Bool {
        try read("look up a batch line's result") { db in
            try Bool.fetchOne(
                db,
                sql: "SELECT EXISTS (SELECT 1 FROM batch_results WHERE batch_id = ? AND line_index = ?)",
                arguments: [batchID, lineIndex]) ?? false
        }
    }

    /// How many lines of the batch have no result yet.
    public func pendingLineCount(batchID: String) throws(JobStoreError) -> Int {
        try read("count pending batch lines") { db in
            try Self.pendingLineCount(batchID: batchID, db: db)
        }
    }

    static func pendingLineCount(batchID: String, db: Database) throws -> Int {
        try Int.fetchOne(
            db,
            sql: """
                SELECT COUNT(*) FROM batch_lines AS l
                WHERE l.batch_id = ? AND NOT EXISTS (
                    SELECT 1 FROM batch_results AS r
                    WHERE r.batch_id = l.batch_id AND r.line_index = l.line_index)
                """,
            arguments: [batchID]) ?? 0
    }

    /// The bytes if they are one JSON object, with line breaks (which JSON allows only as
    /// whitespace between tokens) turned into spaces so the result fits on one JSONL line.
    static func singleLineJSONObject(
        _ data: Data?, batchID: String, lineIndex: Int, field: String
    ) throws(JobStoreError) -> Data? {
        guard let data else { return nil }
        guard (try? JSONSerialization.jsonObject(with: data)) is [String: Any] else {
            throw .invalidResultJSON(batchID: batchID, lineIndex: lineIndex, field: field)
        }
        let newline = UInt8(ascii: "\n"), carriageReturn = UInt8(ascii: "\r")
        guard data.contains(where: { $0 == newline || $0 == carriageReturn }) else { return data }
        return Data(data.map { $0 == newline || $0 == carriageReturn ? UInt8(ascii: " ") : $0 })
    }
}
