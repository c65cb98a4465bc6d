import Foundation
internal import GRDB

/// A file as OpenAI's Files API describes it: the metadata, without the bytes
/// (read those with `SQLiteJobStore.fileContent(id:)`).
public struct StoredFile: Sendable, Hashable {
    /// `file-` followed by 24 letters and digits.
    public var id: String
    /// Size of the content in bytes.
    public var bytes: Int
    /// Unix seconds.
    public var createdAt: Int
    public var filename: String
    /// What the file is for: `batch` (a batch's input), `batch_output` (written by the store
    /// when a batch finishes), `user_data`, … OpenAI's list is open-ended, so this is a string.
    public var purpose: String
    public var status: FileStatus

    public init(id: String, bytes: Int, createdAt: Int, filename: String, purpose: String, status: FileStatus) {
        self.id = id
        self.bytes = bytes
        self.createdAt = createdAt
        self.filename = filename
        self.purpose = purpose
        self.status = status
    }
}

/// OpenAI's file status. Files are stored whole when created, so the store writes `processed`.
public enum FileStatus: String, Sendable, Hashable, CaseIterable {
    case uploaded
    case processed
    case error
}

/// The purposes the store itself uses.
extension StoredFile {
    public static let batchInputPurpose = "batch"
    public static let batchOutputPurpose = "batch_output"
}

// MARK: - Rows

extension StoredFile {
    /// The columns of `files`, in the order `init(row:)` and `insert(into:)` use.
    static let columns = "id, bytes, created_at, filename, purpose, status"

    init(row: Row) throws {
        let id = try row.decode(String.self, forColumn: "id")
        let statusText = try row.decode(String.self, forColumn: "status")
        guard let status = FileStatus(rawValue: statusText) else {
            throw JobStoreError.corruptRecord(table: "files", id: id, reason: "unknown status '\(statusText)'")
        }
        self.init(
            id: id,
            bytes: try row.decode(Int.self, forColumn: "bytes"),
            createdAt: try row.decode(Int.self, forColumn: "created_at"),
            filename: try row.decode(String.self, forColumn: "filename"),
            purpose: try row.decode(String.self, forColumn: "purpose"),
            status: status)
    }

    /// Inserts the metadata row and the content row; the caller's transaction makes them one.
    func insert(into db: Database, content: Data) throws {
        try db.execute(
            sql: "INSERT INTO files (\(Self.columns)) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [id, bytes, createdAt, filename, purpose, status.rawValue])
        // SQLite binds an empty blob as NULL: COALESCE keeps an empty file a zero-length blob.
        try db.execute(
            sql: "INSERT INTO file_contents (file_id, content) VALUES (?, COALESCE(?, x''))",
            arguments: [id, content])
    }
}
