import Foundation
import Logging
import PostgresNIO

/// Files and batch jobs in one PostgreSQL database that several `conserve serve` replicas share.
///
/// Every row a replica needs is in the database, file bytes included, so any replica answers
/// for any file or batch. Batch lines are leased per line (`PostgresJobStore+Leases.swift`):
/// claimed with `FOR UPDATE SKIP LOCKED`, renewed by heartbeat, reclaimable once the lease has
/// expired, and completed under a fence. Lease times are the database's clock, so replicas'
/// clocks need not agree; object time stamps (`created_at`…) are the replica's, as with SQLite.
public final class PostgresJobStore: Sendable {
    public let location: PostgresLocation
    let client: PostgresClient
    let logger: Logger
    /// Seconds since 1970, for the time stamps of the OpenAI objects.
    let now: @Sendable () -> Int
    /// Runs the connection pool until `close()`.
    private let pool: Task<Void, Never>

    /// The channel `NOTIFY` wakes idle replicas on when lines become claimable.
    static let linesChannel = "conserve_batch_lines"

    /// Connects, and brings the schema up to date (one replica at a time: the migrations take an
    /// advisory lock), before returning.
    public init(
        location: PostgresLocation,
        logger: Logger = Logger(label: "conserve.jobs.postgres"),
        clock: @escaping @Sendable () -> Int = { Int(Date().timeIntervalSince1970) }
    ) async throws(JobStoreError) {
        self.location = location
        self.logger = logger
        now = clock
        var configuration = location.clientConfiguration
        configuration.options.maximumConnections = 8
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        pool = Task { await client.run() }
        // Lets the pool's task start first; a query before it waits anyway, but logs a warning.
        try? await Task.sleep(for: .milliseconds(20))
        do {
            try await migrate()
        } catch {
            pool.cancel()
            throw .migrationFailed(path: location.description, reason: error.description)
        }
    }

    /// Closes the connections; the store cannot be used afterwards.
    public func close() {
        pool.cancel()
    }

    deinit { pool.cancel() }

    // MARK: - Queries with typed errors

    /// Runs one statement and returns its rows, read whole.
    @discardableResult
    func query(_ operation: String, _ query: PostgresQuery) async throws(JobStoreError) -> [PostgresRandomAccessRow] {
        do {
            var rows: [PostgresRandomAccessRow] = []
            for try await row in try await client.query(query, logger: logger) {
                rows.append(row.makeRandomAccess())
            }
            return rows
        } catch {
            throw Self.storeError(error, operation: operation)
        }
    }

    /// Runs `body` in one transaction: all of it commits, or none of it does.
    func transaction<T: Sendable>(
        _ operation: String, _ body: @Sendable (PostgresConnection) async throws -> T
    ) async throws(JobStoreError) -> T {
        do {
            return try await client.withTransaction(logger: logger) { connection in try await body(connection) }
        } catch {
            throw Self.storeError(error, operation: operation)
        }
    }

    static func storeError(_ error: any Error, operation: String) -> JobStoreError {
        if let storeError = error as? JobStoreError { return storeError }
        if let transactionError = error as? PostgresTransactionError {
            if let inner = transactionError.closureError { return storeError(inner, operation: operation) }
            let cause = transactionError.commitError ?? transactionError.beginError ?? transactionError.rollbackError
            return .database(operation: operation, reason: cause.map(reason) ?? "the transaction failed")
        }
        return .database(operation: operation, reason: reason(error))
    }

    /// PostgreSQL's own message when there is one (PSQLError's description hides it).
    static func reason(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] { return message }
            return "\(error.code)"
        }
        return String(describing: error)
    }
}

extension PostgresConnection {
    /// Runs one statement inside a transaction and returns its rows, read whole.
    @discardableResult
    func rows(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRandomAccessRow] {
        var rows: [PostgresRandomAccessRow] = []
        for try await row in try await self.query(query, logger: logger) {
            rows.append(row.makeRandomAccess())
        }
        return rows
    }
}

extension PostgresRandomAccessRow {
    /// The named column as `T`.
    func value<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        try self[column].decode(T.self)
    }
}
