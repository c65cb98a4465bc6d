import Foundation
internal import GRDB

/// Which way a list runs, by creation time.
public enum ListOrder: String, Sendable, CaseIterable {
    case ascending = "asc"
    case descending = "desc"
}

/// OpenAI's Files API: create, read, list with cursor pagination, delete.
extension SQLiteJobStore {
    /// The largest file the store takes: OpenAI's limit, and safely under SQLite's 1 GB blob limit.
    public static let maxFileBytes = 512 * 1024 * 1024
    /// The range `files(limit:)` accepts (OpenAI's).
    public static let fileListLimits = 1...10_000

    /// Stores a new file and returns its metadata. The content is committed before this returns.
    public func createFile(filename: String, purpose: String, content: Data) throws(JobStoreError) -> StoredFile {
        try write("store a file") { db in
            try insertFile(filename: filename, purpose: purpose, content: content, db: db)
        }
    }

    /// The file with this id, or nil.
    public func file(id: String) throws(JobStoreError) -> StoredFile? {
        try read("read a file") { db in
            try Row.fetchOne(db, sql: "SELECT \(StoredFile.columns) FROM files WHERE id = ?", arguments: [id])
                .map(StoredFile.init(row:))
        }
    }

    /// The bytes of the file with this id, or nil if there is no such file.
    public func fileContent(id: String) throws(JobStoreError) -> Data? {
        try read("read a file's content") { db in
            try Data.fetchOne(db, sql: "SELECT content FROM file_contents WHERE file_id = ?", arguments: [id])
        }
    }

    /// Files by creation time, OpenAI style: at most `limit`, starting after the file whose id
    /// is `after` (the last id of the previous page), optionally only those with `purpose`.
    public func files(
        purpose: String? = nil,
        limit: Int = 10_000,
        after: String? = nil,
        order: ListOrder = .descending
    ) throws(JobStoreError) -> [StoredFile] {
        guard Self.fileListLimits.contains(limit) else {
            throw .invalidLimit(limit, allowed: Self.fileListLimits)
        }
        return try read("list files") { db in
            var conditions: [String] = []
            var arguments: StatementArguments = []
            if let purpose {
                conditions.append("purpose = ?")
                arguments += [purpose]
            }
            if let after {
                guard let cursor = try Row.fetchOne(
                    db, sql: "SELECT created_at, rowid FROM files WHERE id = ?", arguments: [after])
                else {
                    throw JobStoreError.invalidCursor(after)
                }
                let createdAt = try cursor.decode(Int.self, forColumn: "created_at")
                let rowID = try cursor.decode(Int64.self, forColumn: "rowid")
                let comparison = order == .ascending ? ">" : "<"
                conditions.append("(created_at \(comparison) ? OR (created_at = ? AND rowid \(comparison) ?))")
                arguments += [createdAt, createdAt, rowID]
            }
            let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            let direction = order == .ascending ? "ASC" : "DESC"
            arguments += [limit]
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT \(StoredFile.columns) FROM files \(whereClause)
                    ORDER BY created_at \(direction), rowid \(direction) LIMIT ?
                    """,
                arguments: arguments
            ).map(StoredFile.init(row:))
        }
    }

    /// Deletes the file and its content. Returns false if there was no such file.
    /// Batches keep their own copy of their input lines, so deleting an input file is safe.
    @discardableResult
    public func deleteFile(id: String) throws(JobStoreError) -> Bool {
        try write("delete a file") { db in
            // file_contents goes with it: ON DELETE CASCADE.
            try db.execute(sql: "DELETE FROM files WHERE id = ?", arguments: [id])
            return db.changesCount > 0
        }
    }

    /// The insert behind `createFile`, for callers already inside a write transaction
    /// (finalizing a batch writes its output files in the same transaction as its status).
    func insertFile(filename: String, purpose: String, content: Data, db: Database) throws -> StoredFile {
        guard content.count <= Self.maxFileBytes else {
            throw JobStoreError.fileTooLarge(bytes: content.count, limit: Self.maxFileBytes)
        }
        let file = StoredFile(
            id: JobIdentifiers.newFileID(), bytes: content.count, createdAt: now(),
            filename: filename, purpose: purpose, status: .processed)
        try file.insert(into: db, content: content)
        return file
    }
}
