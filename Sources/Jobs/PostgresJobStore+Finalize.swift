import Foundation
import PostgresNIO

/// Finishing a batch: output and error files, final status, in one transaction that holds the
/// batch's row, so two replicas finalizing at once write the files once.
extension PostgresJobStore {
    public func finalize(batchID: String) async throws(JobStoreError) -> StoredBatch {
        let (logger, time) = (self.logger, now())
        return try await transaction("finalize a batch") { connection in
            guard let current = try await Self.lockBatch(id: batchID, connection: connection, logger: logger) else {
                throw JobStoreError.batchNotFound(id: batchID)
            }
            let pending = try await connection.rows(
                "SELECT count(*) AS n FROM batch_lines WHERE batch_id = \(batchID) AND NOT done", logger: logger)
                .first?.value("n", as: Int.self) ?? 0
            guard var batch = try current.finalized(pendingLines: pending, at: time) else { return current }
            var writer = BatchOutputWriter(batchID: batchID)
            let results = try await connection.rows("""
                SELECT r.line_index, l.custom_id, r.status_code, r.succeeded, r.response, r.error
                FROM batch_results AS r
                JOIN batch_lines AS l ON l.batch_id = r.batch_id AND l.line_index = r.line_index
                WHERE r.batch_id = \(batchID)
                ORDER BY r.line_index
                """, logger: logger)
            for row in results {
                writer.append(lineIndex: try row.value("line_index"), customID: try row.value("custom_id"),
                              statusCode: try row.value("status_code"), succeeded: try row.value("succeeded"),
                              response: try row.value("response"), error: try row.value("error"))
            }
            let output = StoredFile(id: JobIdentifiers.newFileID(), bytes: writer.output.count, createdAt: time,
                                    filename: "\(batchID)_output.jsonl", purpose: StoredFile.batchOutputPurpose, status: .processed)
            try await Self.insert(output, content: writer.output, connection: connection, logger: logger)
            batch.outputFileID = output.id
            if writer.errorLineCount > 0 {
                let errors = StoredFile(id: JobIdentifiers.newFileID(), bytes: writer.errors.count, createdAt: time,
                                        filename: "\(batchID)_error.jsonl", purpose: StoredFile.batchOutputPurpose, status: .processed)
                try await Self.insert(errors, content: writer.errors, connection: connection, logger: logger)
                batch.errorFileID = errors.id
            }
            try await Self.updateStatus(of: batch, connection: connection, logger: logger)
            return batch
        }
    }
}
