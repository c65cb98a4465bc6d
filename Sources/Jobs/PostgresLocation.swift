import Foundation
import PostgresNIO

/// Where a PostgreSQL job store is: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`, with an
/// optional `?sslmode=disable|prefer|require` (default `prefer`, as libpq's).
public struct PostgresLocation: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var sslMode: String

    public init(host: String, port: Int = 5432, username: String, password: String? = nil, database: String,
                sslMode: String = "prefer") {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.sslMode = sslMode
    }

    /// Parses a `postgres://` or `postgresql://` URL; the error says what the URL lacks.
    public init(url text: String) throws(JobStoreError) {
        func invalid(_ reason: String) -> JobStoreError { .invalidStoreURL(text, reason: reason) }
        guard let url = URLComponents(string: text), let scheme = url.scheme, ["postgres", "postgresql"].contains(scheme) else {
            throw invalid("it does not start with postgres://")
        }
        guard let host = url.host, !host.isEmpty else { throw invalid("it names no host") }
        guard let user = url.user, !user.isEmpty else { throw invalid("it names no user (postgres://USER@HOST/DB)") }
        let database = String(url.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else { throw invalid("it names no database (postgres://USER@HOST/DB)") }
        let sslMode = url.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
        guard ["disable", "prefer", "require"].contains(sslMode) else {
            throw invalid("sslmode must be disable, prefer or require")
        }
        self.init(host: host, port: url.port ?? 5432, username: user.removingPercentEncoding ?? user,
                  password: url.password?.removingPercentEncoding, database: database, sslMode: sslMode)
    }

    /// The URL without its password, for logs and error messages.
    public var description: String { "postgres://\(username)@\(host):\(port)/\(database)" }

    var tls: PostgresClient.Configuration.TLS {
        switch sslMode {
        case "disable": .disable
        case "require": .require(.makeClientConfiguration())
        default: .prefer(.makeClientConfiguration())
        }
    }

    var clientConfiguration: PostgresClient.Configuration {
        PostgresClient.Configuration(host: host, port: port, username: username, password: password, database: database, tls: tls)
    }
}
