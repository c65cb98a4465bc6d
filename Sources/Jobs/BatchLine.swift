import Foundation
internal import GRDB

/// One request of a batch, as the input file gave it: what the batch worker runs and what the
/// output file answers, matched by `customID`.
public struct BatchLine: Sendable, Hashable {
    /// 0-based line of the input file; output files list results in this order.
    public var index: Int
    /// The caller's name for this request, unique within the batch.
    public var customID: String
    /// Always "POST" for the endpoints batches support.
    public var method: String
    /// The endpoint, e.g. "/v1/chat/completions".
    public var url: String
    /// The request body, as JSON.
    public var body: Data

    public init(index: Int, customID: String, method: String, url: String, body: Data) {
        self.index = index
        self.customID = customID
        self.method = method
        self.url = url
        self.body = body
    }

    /// 1-based, as error messages count lines.
    public var lineNumber: Int { index + 1 }
}

// MARK: - Rows

extension BatchLine {
    static let columns = "line_index, custom_id, method, url, body"

    init(row: Row) throws {
        self.init(
            index: try row.decode(Int.self, forColumn: "line_index"),
            customID: try row.decode(String.self, forColumn: "custom_id"),
            method: try row.decode(String.self, forColumn: "method"),
            url: try row.decode(String.self, forColumn: "url"),
            body: try row.decode(Data.self, forColumn: "body"))
    }

    func insert(batchID: String, into db: Database) throws {
        // Cached: a batch inserts up to 50,000 lines with this one statement.
        try db.cachedStatement(sql: """
            INSERT INTO batch_lines (batch_id, \(Self.columns))
            VALUES (?, ?, ?, ?, ?, COALESCE(?, x''))
            """
        ).execute(arguments: [batchID, index, customID, method, url, body])
    }
}
