import Foundation
import Synchronization
@testable import Jobs

/// A fresh data directory under the system temp directory, removed when the value goes away.
final class TemporaryDirectory: Sendable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("conserve-jobs-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }
}

/// A clock that moves one second per reading, so rows get distinct, ordered time stamps
/// without the tests depending on real time.
final class TickingClock: Sendable {
    private let seconds: Mutex<Int>

    init(start: Int = 1_700_000_000) {
        seconds = Mutex(start)
    }

    func read() -> Int {
        seconds.withLock { value in
            value += 1
            return value
        }
    }
}

/// A store in its own temporary directory.
///
/// The store's clock closure holds the directory, so the directory lives exactly as long as
/// the store: `let store = try StoreFixture().store` is safe, and the files go when the last
/// store on them does.
struct StoreFixture {
    let directory: TemporaryDirectory
    let store: SQLiteJobStore
    private let clock: TickingClock?

    init(clock: TickingClock? = TickingClock()) throws {
        directory = try TemporaryDirectory()
        self.clock = clock
        store = try Self.open(directory, clock: clock)
    }

    /// A second store on the same database, as a restarted server would open it.
    func reopen() throws -> SQLiteJobStore {
        try Self.open(directory, clock: clock)
    }

    private static func open(_ directory: TemporaryDirectory, clock: TickingClock?) throws -> SQLiteJobStore {
        try SQLiteJobStore(dataDirectory: directory.url, clock: {
            withExtendedLifetime(directory) { clock?.read() ?? Int(Date().timeIntervalSince1970) }
        })
    }
}

/// Chat completion lines `request-0`, `request-1`, … with small bodies.
func chatLines(count: Int) -> [BatchLine] {
    (0..<count).map { index in
        BatchLine(
            index: index, customID: "request-\(index)", method: "POST", url: BatchEndpoint.chatCompletions.rawValue,
            body: Data(#"{"model":"smollm2","messages":[{"role":"user","content":"say \#(index)"}]}"#.utf8))
    }
}

/// A response body as the server would record it for line `index`.
func responseBody(_ index: Int) -> Data {
    Data(#"{"id":"chatcmpl-\#(index)","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"answer \#(index)"}}]}"#.utf8)
}

func errorObject(_ index: Int) -> Data {
    Data(#"{"code":"server_error","message":"line \#(index) failed"}"#.utf8)
}

/// A batch of `count` chat lines, already in progress.
func inProgressBatch(_ store: SQLiteJobStore, lines count: Int) throws -> StoredBatch {
    let input = try store.createFile(filename: "input.jsonl", purpose: "batch", content: Data("{}".utf8))
    let batch = try store.createBatch(endpoint: .chatCompletions, inputFileID: input.id, lines: chatLines(count: count))
    return try store.startBatch(id: batch.id)
}

/// Parses a JSONL file into one dictionary per line.
func jsonLines(_ data: Data) throws -> [[String: Any]] {
    try data.split(separator: UInt8(ascii: "\n")).map { line in
        guard let object = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
            throw CocoaError(.propertyListReadCorrupt)
        }
        return object
    }
}

struct MissingFile: Error, CustomStringConvertible {
    let id: String?
    var description: String { "expected a stored file, got id \(id ?? "nil")" }
}

/// The stored file with this id; fails the test (by throwing) when the id is nil or unknown.
func storedFile(_ store: SQLiteJobStore, _ id: String?) throws -> StoredFile {
    guard let id, let file = try store.file(id: id) else { throw MissingFile(id: id) }
    return file
}

/// The content of the stored file with this id, split into JSON lines.
func storedLines(_ store: SQLiteJobStore, _ id: String?) throws -> [[String: Any]] {
    guard let id, let data = try store.fileContent(id: id) else { throw MissingFile(id: id) }
    return try jsonLines(data)
}
