internal import GRDB

/// The schema, as a list of versioned migrations. A migration, once released, never changes:
/// a new column or table is a new migration appended at the end, so a database written by any
/// earlier ConServe is brought forward in place when the server starts.
extension SQLiteJobStore {
    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1 files, batches, batch lines and results") { db in
            try createFileTables(db)
            try createBatchTables(db)
        }
        return migrator
    }()

    /// Files: metadata in `files`, bytes in `file_contents`, so listing files never reads contents.
    private static func createFileTables(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE files (
                id          TEXT PRIMARY KEY NOT NULL,  -- file-<24 alphanumerics>
                bytes       INTEGER NOT NULL,
                created_at  INTEGER NOT NULL,           -- Unix seconds
                filename    TEXT NOT NULL,
                purpose     TEXT NOT NULL,              -- batch, batch_output, user_data...
                status      TEXT NOT NULL               -- uploaded, processed, error
            );
            -- List order is (created_at, rowid): rowid breaks ties between files of the same second.
            CREATE INDEX files_by_created_at ON files (created_at);
            CREATE INDEX files_by_purpose ON files (purpose, created_at);

            CREATE TABLE file_contents (
                file_id  TEXT PRIMARY KEY NOT NULL REFERENCES files (id) ON DELETE CASCADE,
                content  BLOB NOT NULL
            );
            """)
    }

    /// Batches, their input lines (copied at creation, so the input file may be deleted
    /// afterwards) and one result row per finished line.
    private static func createBatchTables(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE batches (
                id                        TEXT PRIMARY KEY NOT NULL,  -- batch_<24 alphanumerics>
                endpoint                  TEXT NOT NULL,              -- /v1/chat/completions or /v1/completions
                input_file_id             TEXT NOT NULL,
                completion_window         TEXT NOT NULL,              -- "24h"
                status                    TEXT NOT NULL,              -- BatchStatus raw value
                output_file_id            TEXT,
                error_file_id             TEXT,
                created_at                INTEGER NOT NULL,
                in_progress_at            INTEGER,
                finalizing_at             INTEGER,
                completed_at              INTEGER,
                failed_at                 INTEGER,
                expired_at                INTEGER,
                cancelling_at             INTEGER,
                cancelled_at              INTEGER,
                expires_at                INTEGER NOT NULL,
                request_counts_total      INTEGER NOT NULL,
                request_counts_completed  INTEGER NOT NULL DEFAULT 0,
                request_counts_failed     INTEGER NOT NULL DEFAULT 0,
                metadata                  TEXT,                       -- JSON object of strings, or NULL
                errors                    TEXT                        -- JSON array of BatchInputError, or NULL
            );
            CREATE INDEX batches_by_created_at ON batches (created_at);
            CREATE INDEX batches_by_status ON batches (status);

            CREATE TABLE batch_lines (
                batch_id    TEXT NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
                line_index  INTEGER NOT NULL,  -- 0-based line of the input file
                custom_id   TEXT NOT NULL,
                method      TEXT NOT NULL,
                url         TEXT NOT NULL,
                body        BLOB NOT NULL,     -- the request body, JSON
                PRIMARY KEY (batch_id, line_index),
                UNIQUE (batch_id, custom_id)
            );

            CREATE TABLE batch_results (
                batch_id     TEXT NOT NULL,
                line_index   INTEGER NOT NULL,
                status_code  INTEGER NOT NULL,
                succeeded    INTEGER NOT NULL,  -- 1: goes to the output file, 0: to the error file
                response     BLOB,              -- JSON body of the response, or NULL
                error        BLOB,              -- JSON error object, or NULL
                recorded_at  INTEGER NOT NULL,
                -- One result per line, ever: a line recorded twice is neither counted nor written twice.
                UNIQUE (batch_id, line_index),
                FOREIGN KEY (batch_id, line_index)
                    REFERENCES batch_lines (batch_id, line_index) ON DELETE CASCADE
            );
            """)
    }
}
