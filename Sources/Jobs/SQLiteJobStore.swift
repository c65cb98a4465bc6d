import Foundation
internal import GRDB

/// The durable home of batch jobs and files: one SQLite database, `<dataDir>/conserve.sqlite`.
///
/// Every accepted piece of work is committed before the call that accepted it returns, and
/// SQLite runs in WAL mode with `synchronous = FULL`, so a server killed with SIGKILL (or a
/// power cut) loses nothing it acknowledged. A restarted server opens the same directory,
/// asks for `activeBatches()` and resumes each with `pendingLines(batchID:)`.
///
/// Safe to share between tasks and threads: reads run concurrently, writes one at a time.
public final class SQLiteJobStore: Sendable {
    /// The name of the database file inside the data directory.
    public static let databaseFileName = "conserve.sqlite"

    /// Where the database lives.
    public let databasePath: String

    let pool: DatabasePool
    /// Seconds since 1970; injectable so tests can create rows at chosen times.
    let now: @Sendable () -> Int

    /// Opens (creating if needed) the store in `dataDirectory` and migrates it to the current schema.
    ///
    /// - Parameter clock: the time stamps written on rows, in Unix seconds.
    public init(
        dataDirectory: URL,
        clock: @escaping @Sendable () -> Int = { Int(Date().timeIntervalSince1970) }
    ) throws(JobStoreError) {
        let directoryPath = dataDirectory.path
        do {
            try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        } catch {
            throw .cannotCreateDirectory(path: directoryPath, reason: error.localizedDescription)
        }
        let path = dataDirectory.appendingPathComponent(Self.databaseFileName).path
        databasePath = path
        now = clock

        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        // A second process (or a store reopened after a crash) waits for the writer
        // instead of failing at once.
        configuration.busyMode = .timeout(30)
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            // FULL makes every commit reach the disk before it returns: the WAL is synced on
            // each transaction, so a result once recorded survives a power cut, not only a
            // killed process. GRDB opens WAL pools with NORMAL, so this comes after opening,
            // on the one connection that writes.
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
        } catch {
            throw .cannotOpenDatabase(path: path, reason: Self.reason(error))
        }
        do {
            try Self.migrator.migrate(pool)
        } catch {
            throw .migrationFailed(path: path, reason: Self.reason(error))
        }
    }

    /// The migrations that have been applied, in order (for diagnostics and tests).
    public func appliedMigrations() throws(JobStoreError) -> [String] {
        try read("list migrations") { db in
            try Self.migrator.appliedMigrations(db)
        }
    }

    /// A PRAGMA's value as text, e.g. `pragma("journal_mode") == "wal"` (for diagnostics and tests).
    func pragma(_ name: String) throws(JobStoreError) -> String? {
        try write("read the \(name) setting") { db in
            try String.fetchOne(db, sql: "SELECT CAST(\(name) AS TEXT) FROM pragma_\(name)")
        }
    }

    // MARK: - Transactions with typed errors

    /// Runs `body` in a read-only snapshot.
    func read<T>(_ operation: String, _ body: (Database) throws -> T) throws(JobStoreError) -> T {
        do {
            return try pool.read(body)
        } catch {
            throw Self.storeError(error, operation: operation)
        }
    }

    /// Runs `body` in one write transaction: all of it commits, or none of it does.
    func write<T>(_ operation: String, _ body: (Database) throws -> T) throws(JobStoreError) -> T {
        do {
            return try pool.write(body)
        } catch {
            throw Self.storeError(error, operation: operation)
        }
    }

    private static func storeError(_ error: any Error, operation: String) -> JobStoreError {
        if let storeError = error as? JobStoreError {
            return storeError
        }
        return .database(operation: operation, reason: reason(error))
    }

    private static func reason(_ error: any Error) -> String {
        if let databaseError = error as? DatabaseError {
            return databaseError.message ?? databaseError.description
        }
        return String(describing: error)
    }
}
