import Foundation
#if canImport(Glibc)
import Glibc
#endif
@testable import Jobs
import Logging

/// One PostgreSQL server for this test process, in a temporary folder (`scripts/pg-temp.sh`,
/// Debian's packages), stopped when the process exits. Each test takes a database of its own.
///
/// When the server cannot start, every test that needs it fails with the reason: these tests
/// never skip.
final class TemporaryPostgres: Sendable {
    let directory: String
    let port: Int

    struct StartFailure: Error, CustomStringConvertible {
        var description: String
    }

    static let shared: Result<TemporaryPostgres, StartFailure> = Result { () throws(StartFailure) in try TemporaryPostgres() }

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../scripts/pg-temp.sh").standardized.path

    private init() throws(StartFailure) {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("conserve-pg-\(UUID().uuidString)").path
        // A port from the ephemeral range's upper part; another server there makes start fail, so try a few.
        var lastError = ""
        for port in (0..<5).map({ _ in Int.random(in: 40_000...59_000) }) {
            let (status, output) = Self.run(Self.script, ["start", directory, String(port)])
            if status == 0 {
                self.port = port
                Self.stopAtExit(directory)
                return
            }
            lastError = output
        }
        throw StartFailure(description: """
            PostgreSQL could not be started for the job store tests (\(Self.script)): \(lastError)
            Install it with `apt-get install -y postgresql` (Debian), as .ci/run does.
            """)
    }

    /// A new, empty database on the server, and its location.
    func newDatabase() throws -> PostgresLocation {
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let (status, output) = Self.run("/usr/bin/psql", ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-d", "postgres",
                                                          "-qc", "CREATE DATABASE \(name)"])
        guard status == 0 else { throw StartFailure(description: "cannot create a database: \(output)") }
        return PostgresLocation(host: "127.0.0.1", port: port, username: "postgres", database: name, sslMode: "disable")
    }

    /// A store on `location` (a new database by default) with a quiet logger.
    static func store(_ location: PostgresLocation? = nil) async throws -> PostgresJobStore {
        let server = try shared.get()
        var logger = Logger(label: "test.postgres")
        logger.logLevel = .warning
        return try await PostgresJobStore(location: try location ?? server.newDatabase(), logger: logger)
    }

    /// Restarts the server (rows committed before must come back).
    func restart() throws {
        _ = Self.run(Self.script, ["stop", directory])
        let (status, output) = Self.run(Self.script, ["start", directory, String(port)])
        guard status == 0 else { throw StartFailure(description: "PostgreSQL did not restart: \(output)") }
    }

    private static func stopAtExit(_ directory: String) {
        stopDirectory = directory
        atexit {
            if let directory = TemporaryPostgres.stopDirectory {
                _ = TemporaryPostgres.run(TemporaryPostgres.script, ["stop", directory])
                try? FileManager.default.removeItem(atPath: directory)
            }
        }
    }

    nonisolated(unsafe) private static var stopDirectory: String?

    /// Runs a program to its end; its status and what it wrote. posix_spawn and waitpid, not
    /// Foundation's Process, whose wait never returned when called from a test's static
    /// initializer; output goes to a file, not a pipe, as the server pg_ctl starts would hold a
    /// pipe open after the script ends.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) -> (Int32, String) {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("conserve-pg-\(UUID().uuidString).log").path
        defer { unlink(log) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard spawned == 0 else { return (-1, "cannot run \(executable): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        let exited = status & 0x7f == 0
        return (exited ? (status >> 8) & 0xff : -1, output)
    }
}
