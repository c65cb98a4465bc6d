/// Why a file is on the server. Batch input is uploaded with `batch`; the server writes a
/// batch's results and errors as `batch_output` files.
public enum FilePurpose: String, Codable, Sendable, CaseIterable {
    case batch
    case batchOutput = "batch_output"

    /// Reads the `purpose` field of an upload: only `batch` can be uploaded here.
    public static func forUpload(_ value: String) throws(APIError) -> FilePurpose {
        guard value == FilePurpose.batch.rawValue else {
            throw .invalidValue(param: "purpose", got: value, supported: [FilePurpose.batch.rawValue])
        }
        return .batch
    }
}

/// An uploaded or generated file (object "file").
public struct FileObject: Codable, Sendable, Equatable, Identifiable {
    /// OpenAI's deprecated processing state. The official clients declare it required, so it
    /// is always sent; files here are usable once stored, hence `processed` by default.
    public enum Status: String, Codable, Sendable {
        case uploaded, processed, error
    }

    /// "file-…"; see `ObjectID.file()`.
    public var id: String
    public var object = "file"
    /// Size in bytes.
    public var bytes: Int
    /// Unix seconds.
    public var createdAt: Int
    public var filename: String
    public var purpose: FilePurpose
    public var status: Status

    public init(id: String, bytes: Int, createdAt: Int, filename: String, purpose: FilePurpose,
                status: Status = .processed) {
        self.id = id
        self.bytes = bytes
        self.createdAt = createdAt
        self.filename = filename
        self.purpose = purpose
        self.status = status
    }

    enum CodingKeys: String, CodingKey {
        case id, object, bytes, filename, purpose, status
        case createdAt = "created_at"
    }
}

/// The body of `GET /v1/files`: a page of files, newest first.
public typealias FileList = ListPage<FileObject>

/// The body of `DELETE /v1/files/{id}`.
public struct DeletedFile: Codable, Sendable, Equatable {
    public var id: String
    public var object = "file"
    public var deleted: Bool

    public init(id: String, deleted: Bool = true) {
        self.id = id
        self.deleted = deleted
    }
}
