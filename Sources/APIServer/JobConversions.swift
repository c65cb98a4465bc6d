import Jobs
import OpenAIAPI

/// The stored records of `Jobs` as OpenAI objects and pipeline endpoints.
extension FileObject {
    init(_ file: StoredFile) {
        self.init(id: file.id, bytes: file.bytes, createdAt: file.createdAt, filename: file.filename,
                  purpose: FilePurpose(rawValue: file.purpose) ?? .batch,
                  status: FileObject.Status(rawValue: file.status.rawValue) ?? .processed)
    }
}

extension Batch {
    init(_ batch: StoredBatch) {
        self.init(id: batch.id, endpoint: OpenAIAPI.BatchEndpoint(rawValue: batch.endpoint.rawValue) ?? .chatCompletions,
                  inputFileID: batch.inputFileID, completionWindow: batch.completionWindow,
                  status: Batch.Status(rawValue: batch.status.rawValue) ?? .failed, createdAt: batch.createdAt,
                  expiresAt: batch.expiresAt,
                  requestCounts: .init(total: batch.requestCounts.total, completed: batch.requestCounts.completed,
                                       failed: batch.requestCounts.failed),
                  metadata: batch.metadata)
        outputFileID = batch.outputFileID
        errorFileID = batch.errorFileID
        inProgressAt = batch.inProgressAt
        finalizingAt = batch.finalizingAt
        completedAt = batch.completedAt
        failedAt = batch.failedAt
        expiredAt = batch.expiredAt
        cancellingAt = batch.cancellingAt
        cancelledAt = batch.cancelledAt
        if let errors = batch.errors, !errors.isEmpty {
            self.errors = Errors(data: errors.map { LineError(code: $0.code.rawValue, message: $0.message, param: $0.param, line: $0.line) })
        }
    }
}

extension CompletionPipeline.Endpoint {
    /// The endpoint a batch's lines are run against.
    init(_ endpoint: Jobs.BatchEndpoint) {
        switch endpoint {
        case .chatCompletions: self = .chatCompletions
        case .completions: self = .completions
        }
    }
}

extension JobStoreError: APIErrorConvertible {
    var apiError: APIError {
        switch self {
        case .fileNotFound: APIError.notFound(description, param: "file_id")
        case .batchNotFound: APIError.notFound(description, param: "batch_id")
        case .fileTooLarge: APIError.requestTooLarge(description)
        case .invalidLimit: APIError.invalidRequest(description, param: "limit")
        case .invalidCursor: APIError.invalidRequest(description, param: "after")
        case .illegalTransition: APIError(status: 409, message: description, type: "invalid_request_error")
        default: APIError.serverError(description)
        }
    }
}
