import Foundation
import PostgresNIO

/// OpenAI's Files API, bytes in `file_contents` so every replica serves every file.
extension PostgresJobStore {
    public func createFile(filename: String, purpose: String, content: Data) async throws(JobStoreError) -> StoredFile {
        let file = try newFile(filename: filename, purpose: purpose, content: content)
        let logger = self.logger
        try await transaction("store a file") { connection in
            try await Self.insert(file, content: content, connection: connection, logger: logger)
        }
        return file
    }

    public func file(id: String) async throws(JobStoreError) -> StoredFile? {
        try await query("read a file", "SELECT \(unescaped: StoredFile.columns) FROM files WHERE id = \(id)")
            .first.map(StoredFile.init(postgres:))
    }

    public func fileContent(id: String) async throws(JobStoreError) -> Data? {
        try await query("read a file's content", "SELECT content FROM file_contents WHERE file_id = \(id)")
            .first.map { row throws(JobStoreError) in try Self.decode { try row.value("content", as: Data.self) } }
    }

    public func files(purpose: String?, limit: Int, after: String?, order: ListOrder) async throws(JobStoreError) -> [StoredFile] {
        guard SQLiteJobStore.fileListLimits.contains(limit) else {
            throw .invalidLimit(limit, allowed: SQLiteJobStore.fileListLimits)
        }
        let cursor = try await listCursor(after: after, in: "files")
        let ascending = order == .ascending
        let comparison = ascending ? ">" : "<", direction = ascending ? "ASC" : "DESC"
        // Unset filters compare with NULL and drop out, so one statement serves every combination.
        let query: PostgresQuery = """
            SELECT \(unescaped: StoredFile.columns) FROM files
            WHERE (\(purpose)::text IS NULL OR purpose = \(purpose))
              AND (\(cursor?.createdAt)::bigint IS NULL
                   OR (created_at, seq) \(unescaped: comparison) (\(cursor?.createdAt)::bigint, \(cursor?.seq)::bigint))
            ORDER BY created_at \(unescaped: direction), seq \(unescaped: direction)
            LIMIT \(limit)
            """
        return try await self.query("list files", query).map(StoredFile.init(postgres:))
    }

    public func deleteFile(id: String) async throws(JobStoreError) -> Bool {
        // file_contents goes with it: ON DELETE CASCADE.
        !(try await query("delete a file", "DELETE FROM files WHERE id = \(id) RETURNING id")).isEmpty
    }

    /// Where a page that starts after the row `id` of `table` starts: that row's list order
    /// (created_at, seq); nil for the first page.
    func listCursor(after id: String?, in table: String) async throws(JobStoreError) -> (createdAt: Int, seq: Int)? {
        guard let id else { return nil }
        guard let row = try await query("find a list cursor", "SELECT created_at, seq FROM \(unescaped: table) WHERE id = \(id)").first else {
            throw .invalidCursor(id)
        }
        return (try Self.decode { try row.value("created_at") }, try Self.decode { try row.value("seq") })
    }

    /// A new file's metadata, after checking its size.
    func newFile(filename: String, purpose: String, content: Data) throws(JobStoreError) -> StoredFile {
        guard content.count <= SQLiteJobStore.maxFileBytes else {
            throw .fileTooLarge(bytes: content.count, limit: SQLiteJobStore.maxFileBytes)
        }
        return StoredFile(id: JobIdentifiers.newFileID(), bytes: content.count, createdAt: now(),
                          filename: filename, purpose: purpose, status: .processed)
    }

    /// Inserts the metadata and the bytes; the caller's transaction makes them one.
    static func insert(_ file: StoredFile, content: Data, connection: PostgresConnection, logger: Logger) async throws {
        try await connection.rows("""
            INSERT INTO files (id, bytes, created_at, filename, purpose, status)
            VALUES (\(file.id), \(file.bytes), \(file.createdAt), \(file.filename), \(file.purpose), \(file.status.rawValue))
            """, logger: logger)
        try await connection.rows("INSERT INTO file_contents (file_id, content) VALUES (\(file.id), \(content))", logger: logger)
    }

    /// Runs a decoding step, reporting a failure as a record that cannot be read.
    static func decode<T>(_ body: () throws -> T) throws(JobStoreError) -> T {
        do { return try body() } catch {
            throw .corruptRecord(table: "?", id: "?", reason: String(describing: error))
        }
    }
}

extension StoredFile {
    init(postgres row: PostgresRandomAccessRow) throws(JobStoreError) {
        let id = try PostgresJobStore.decode { try row.value("id", as: String.self) }
        let statusText = try PostgresJobStore.decode { try row.value("status", as: String.self) }
        guard let status = FileStatus(rawValue: statusText) else {
            throw .corruptRecord(table: "files", id: id, reason: "unknown status '\(statusText)'")
        }
        self = try PostgresJobStore.decode {
            StoredFile(id: id, bytes: try row.value("bytes"), createdAt: try row.value("created_at"),
                       filename: try row.value("filename"), purpose: try row.value("purpose"), status: status)
        }
    }
}
