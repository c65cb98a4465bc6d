import Foundation

/// Everything the job store can refuse or fail at. Each message says what went wrong and what
/// the caller (or the person reading the server log) can do about it.
public enum JobStoreError: Error, Equatable, Sendable, CustomStringConvertible {
    // Opening the store.
    case cannotCreateDirectory(path: String, reason: String)
    case cannotOpenDatabase(path: String, reason: String)
    case migrationFailed(path: String, reason: String)
    /// `--job-store` is not a PostgreSQL URL the store can use.
    case invalidStoreURL(String, reason: String)
    /// SQLite refused an operation (disk full, I/O error, database locked by another process…).
    case database(operation: String, reason: String)
    /// A row could not be read back as the record it should be: the file was edited by hand
    /// or written by a newer ConServe.
    case corruptRecord(table: String, id: String, reason: String)

    // Files.
    case fileNotFound(id: String)
    case fileTooLarge(bytes: Int, limit: Int)

    // Listing.
    case invalidLimit(Int, allowed: ClosedRange<Int>)
    case invalidCursor(String)

    // Batches.
    case batchNotFound(id: String)
    case unsupportedCompletionWindow(String)
    case duplicateLineIndex(Int)
    case duplicateCustomID(String)
    case illegalTransition(batchID: String, from: BatchStatus, to: BatchStatus)

    // Results.
    case lineNotFound(batchID: String, lineIndex: Int)
    case batchNotAcceptingResults(batchID: String, status: BatchStatus)
    case emptyResult(batchID: String, lineIndex: Int)
    case invalidResultJSON(batchID: String, lineIndex: Int, field: String)
    case pendingLinesRemain(batchID: String, count: Int)

    public var description: String {
        switch self {
        case let .cannotCreateDirectory(path, reason):
            return "cannot create the data directory \(path): \(reason); "
                + "choose a writable directory with --data-dir or fix its permissions"
        case let .cannotOpenDatabase(path, reason):
            return "cannot open the job database \(path): \(reason); "
                + "check that the file is a ConServe database and that the directory is writable"
        case let .migrationFailed(path, reason):
            return "cannot bring the job database \(path) up to date: \(reason); "
                + "it may have been written by a newer ConServe: use that version or move the file away"
        case let .invalidStoreURL(url, reason):
            return "cannot use the job store '\(url)': \(reason); "
                + "pass postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE"
        case let .database(operation, reason):
            return "the job database failed to \(operation): \(reason); "
                + "check free disk space and that no other program holds the database, then retry"
        case let .corruptRecord(table, id, reason):
            return "row \(id) of table \(table) cannot be read: \(reason); "
                + "the database was changed outside ConServe: restore it from a backup or remove that row"
        case let .fileNotFound(id):
            return "no file with id \(id); list files with GET /v1/files to find the right id"
        case let .fileTooLarge(bytes, limit):
            return "the file has \(bytes) bytes but at most \(limit) can be stored; split it into smaller files"
        case let .invalidLimit(limit, allowed) where allowed.upperBound == Int.max:
            return "limit \(limit) is out of range; pass a limit of at least \(allowed.lowerBound)"
        case let .invalidLimit(limit, allowed):
            return "limit \(limit) is out of range; pass a limit from \(allowed.lowerBound) to \(allowed.upperBound)"
        case let .invalidCursor(id):
            return "'after' names \(id), which is not in this list; "
                + "pass the last id of the previous page, or leave 'after' out to start from the beginning"
        case let .batchNotFound(id):
            return "no batch with id \(id); list batches with GET /v1/batches to find the right id"
        case let .unsupportedCompletionWindow(window):
            return "completion_window '\(window)' is not supported; use a number of hours such as \"24h\""
        case let .duplicateLineIndex(index):
            return "two batch lines have index \(index); give every line its own index (its position in the file)"
        case let .duplicateCustomID(customID):
            return "custom_id '\(customID)' appears on more than one line; give every line its own custom_id"
        case let .illegalTransition(batchID, from, to):
            let allowed = from.allowedNextStatuses.map(\.rawValue).sorted()
            let next = allowed.isEmpty ? "it is final and cannot change" : "it can only move to \(allowed.joined(separator: ", "))"
            return "batch \(batchID) is \(from.rawValue) and cannot become \(to.rawValue): \(next)"
        case let .lineNotFound(batchID, lineIndex):
            return "batch \(batchID) has no line with index \(lineIndex); record results only for lines the batch was created with"
        case let .batchNotAcceptingResults(batchID, status):
            return "batch \(batchID) is \(status.rawValue) and takes no more results; "
                + "only in_progress and cancelling batches record results"
        case let .emptyResult(batchID, lineIndex):
            return "the result for line \(lineIndex) of batch \(batchID) has neither a response nor an error; pass at least one"
        case let .invalidResultJSON(batchID, lineIndex, field):
            return "the \(field) for line \(lineIndex) of batch \(batchID) is not a JSON object; pass the JSON body as bytes"
        case let .pendingLinesRemain(batchID, count):
            return "batch \(batchID) still has \(count) line(s) without a result; "
                + "record them first, or cancel the batch to finish with what is done"
        }
    }
}

extension JobStoreError: LocalizedError {
    public var errorDescription: String? { description }
}
