import PostgresNIO

/// The schema, as versioned migrations recorded in `schema_migrations`. A released migration
/// never changes: a change is a new migration at the end. Replicas starting together take turns
/// (an advisory lock), so each migration runs once.
extension PostgresJobStore {
    struct Migration: Sendable {
        var version: Int
        var name: String
        /// One statement each: the extended query protocol runs one at a time.
        var statements: [String]
    }

    static let migrations: [Migration] = [
        Migration(version: 1, name: "files, batches, batch lines with leases, results", statements: [
            """
            CREATE TABLE files (
                seq         bigserial UNIQUE,        -- breaks ties of created_at in list order, as SQLite's rowid
                id          text PRIMARY KEY,        -- file-<24 alphanumerics>
                bytes       bigint NOT NULL,
                created_at  bigint NOT NULL,         -- Unix seconds
                filename    text NOT NULL,
                purpose     text NOT NULL,
                status      text NOT NULL
            )
            """,
            "CREATE INDEX files_by_created_at ON files (created_at, seq)",
            """
            CREATE TABLE file_contents (
                file_id  text PRIMARY KEY REFERENCES files (id) ON DELETE CASCADE,
                content  bytea NOT NULL
            )
            """,
            """
            CREATE TABLE batches (
                seq                       bigserial UNIQUE,
                id                        text PRIMARY KEY,
                endpoint                  text NOT NULL,
                input_file_id             text NOT NULL,
                completion_window         text NOT NULL,
                status                    text NOT NULL,
                output_file_id            text,
                error_file_id             text,
                created_at                bigint NOT NULL,
                in_progress_at            bigint,
                finalizing_at             bigint,
                completed_at              bigint,
                failed_at                 bigint,
                expired_at                bigint,
                cancelling_at             bigint,
                cancelled_at              bigint,
                expires_at                bigint NOT NULL,
                request_counts_total      bigint NOT NULL,
                request_counts_completed  bigint NOT NULL DEFAULT 0,
                request_counts_failed     bigint NOT NULL DEFAULT 0,
                metadata                  text,      -- JSON object of strings
                errors                    text       -- JSON array of BatchInputError
            )
            """,
            "CREATE INDEX batches_by_created_at ON batches (created_at, seq)",
            "CREATE INDEX batches_by_status ON batches (status)",
            """
            CREATE TABLE batch_lines (
                batch_id          text NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
                line_index        integer NOT NULL,
                custom_id         text NOT NULL,
                method            text NOT NULL,
                url               text NOT NULL,
                body              bytea NOT NULL,
                done              boolean NOT NULL DEFAULT false,  -- has its result
                lease_owner       text,                            -- the replica running it, or NULL
                lease_attempt     integer NOT NULL DEFAULT 0,      -- leases taken so far: the fence
                lease_expires_at  timestamptz,                     -- the database's clock
                PRIMARY KEY (batch_id, line_index),
                UNIQUE (batch_id, custom_id)
            )
            """,
            // What a claim scans: lines still to do, in order.
            "CREATE INDEX batch_lines_to_do ON batch_lines (batch_id, line_index) WHERE NOT done",
            // What a heartbeat scans: the lines a replica holds.
            "CREATE INDEX batch_lines_by_owner ON batch_lines (lease_owner) WHERE NOT done",
            """
            CREATE TABLE batch_results (
                batch_id     text NOT NULL,
                line_index   integer NOT NULL,
                status_code  integer NOT NULL,
                succeeded    boolean NOT NULL,
                response     bytea,
                error        bytea,
                recorded_at  bigint NOT NULL,
                owner        text NOT NULL,      -- the lease that wrote it
                attempt      integer NOT NULL,
                -- One result per line, ever: a line re-run is never written twice.
                PRIMARY KEY (batch_id, line_index),
                FOREIGN KEY (batch_id, line_index) REFERENCES batch_lines (batch_id, line_index) ON DELETE CASCADE
            )
            """,
        ]),
    ]

    /// The versions applied, in order (for diagnostics and tests).
    public func appliedMigrations() async throws(JobStoreError) -> [Int] {
        try await query("list migrations", "SELECT version FROM schema_migrations ORDER BY version")
            .map { row throws(JobStoreError) in try Self.decode { try row.value("version", as: Int.self) } }
    }

    func migrate() async throws(JobStoreError) {
        let logger = self.logger
        try await transaction("migrate the schema") { connection in
            // Any number: it only has to be the same in every replica.
            try await connection.rows("SELECT pg_advisory_xact_lock(15150001)", logger: logger)
            try await connection.rows("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version     integer PRIMARY KEY,
                    name        text NOT NULL,
                    applied_at  timestamptz NOT NULL DEFAULT now()
                )
                """, logger: logger)
            let applied = Set(try await connection.rows("SELECT version FROM schema_migrations", logger: logger)
                .map { try $0.value("version", as: Int.self) })
            if let newest = applied.max(), newest > Self.migrations.last!.version {
                throw JobStoreError.database(
                    operation: "migrate the schema",
                    reason: "the database has schema version \(newest), newer than this ConServe knows; use a newer ConServe")
            }
            for migration in Self.migrations where !applied.contains(migration.version) {
                for statement in migration.statements {
                    try await connection.rows(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.rows(
                    "INSERT INTO schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))",
                    logger: logger)
            }
        }
    }
}
