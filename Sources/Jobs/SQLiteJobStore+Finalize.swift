import Foundation
internal import GRDB

/// Finishing a batch: writing its output and error files and moving it to its final status.
extension SQLiteJobStore {
    /// Writes the batch's output file (successful lines, in input order) and error file
    /// (failed lines, in input order; none if no line failed), sets `outputFileID` and
    /// `errorFileID`, and moves the batch on as `StoredBatch.finalized` says, all in one
    /// transaction. A batch already finalized is returned as it is, so calling this again (say,
    /// after a restart that could not tell whether the last call committed) is harmless.
    @discardableResult
    public func finalize(batchID: String) throws(JobStoreError) -> StoredBatch {
        try write("finalize a batch") { db in
            guard let current = try Self.fetchBatch(id: batchID, db: db) else {
                throw JobStoreError.batchNotFound(id: batchID)
            }
            let pending = try Self.pendingLineCount(batchID: batchID, db: db)
            guard var batch = try current.finalized(pendingLines: pending, at: now()) else { return current }
            try writeOutputFiles(for: &batch, db: db)
            try batch.updateStatus(in: db)
            return batch
        }
    }

    /// Builds the files from `batch_results` joined to `batch_lines` (for the custom ids),
    /// streaming rows with a cursor so a large batch is read once.
    private func writeOutputFiles(for batch: inout StoredBatch, db: Database) throws {
        var writer = BatchOutputWriter(batchID: batch.id)
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT r.line_index, l.custom_id, r.status_code, r.succeeded, r.response, r.error
                FROM batch_results AS r
                JOIN batch_lines AS l ON l.batch_id = r.batch_id AND l.line_index = r.line_index
                WHERE r.batch_id = ?
                ORDER BY r.line_index
                """,
            arguments: [batch.id])
        while let row = try rows.next() {
            writer.append(
                lineIndex: try row.decode(Int.self, forColumn: "line_index"),
                customID: try row.decode(String.self, forColumn: "custom_id"),
                statusCode: try row.decode(Int.self, forColumn: "status_code"),
                succeeded: try row.decode(Bool.self, forColumn: "succeeded"),
                response: try row.decode(Data?.self, forColumn: "response"),
                error: try row.decode(Data?.self, forColumn: "error"))
        }
        let output = try insertFile(
            filename: "\(batch.id)_output.jsonl", purpose: StoredFile.batchOutputPurpose,
            content: writer.output, db: db)
        batch.outputFileID = output.id
        if writer.errorLineCount > 0 {
            let errors = try insertFile(
                filename: "\(batch.id)_error.jsonl", purpose: StoredFile.batchOutputPurpose,
                content: writer.errors, db: db)
            batch.errorFileID = errors.id
        }
    }
}
