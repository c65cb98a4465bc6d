import Foundation
import OpenAIAPI

/// Reads a batch input file (JSONL) into `BatchLine`s, checking each line has OpenAI's batch
/// request shape:
///
///     {"custom_id": "request-1", "method": "POST", "url": "/v1/chat/completions", "body": {...}}
///
/// It reports every problem it finds, each with its 1-based line, rather than stopping at the
/// first, so a person can fix the whole file in one go. What the body asks for (model,
/// messages, …) is the server's to check when it runs the line.
public struct BatchInputParser: Sendable {
    /// OpenAI's limit on requests in one batch.
    public static let defaultMaxLines = 50_000

    /// Every line must post to this endpoint.
    public var endpoint: BatchEndpoint
    public var maxLines: Int

    public init(endpoint: BatchEndpoint, maxLines: Int = BatchInputParser.defaultMaxLines) {
        self.endpoint = endpoint
        self.maxLines = maxLines
    }

    /// The file's requests, or everything wrong with it.
    public enum Outcome: Sendable, Hashable {
        case valid([BatchLine])
        case invalid([BatchInputError])
    }

    public func parse(_ data: Data) -> Outcome {
        let rawLines = Self.splitLines(data)
        guard !rawLines.isEmpty else {
            return .invalid([BatchInputError(
                code: .emptyFile,
                message: "The input file has no requests; put one JSON request per line")])
        }
        guard rawLines.count <= maxLines else {
            return .invalid([BatchInputError(
                code: .tooManyLines,
                message: "The input file has \(rawLines.count) lines but a batch holds at most \(maxLines); "
                    + "split it into several batches")])
        }

        var lines: [BatchLine] = []
        var errors: [BatchInputError] = []
        var firstLineOfCustomID: [String: Int] = [:]
        lines.reserveCapacity(rawLines.count)
        for (index, raw) in rawLines.enumerated() {
            let lineNumber = index + 1
            func problem(_ code: BatchInputError.Code, _ param: String?, _ message: String) {
                errors.append(BatchInputError(code: code, message: message, param: param, line: lineNumber))
            }
            if Self.isBlank(raw) {
                problem(.invalidJSON, nil, "Line \(lineNumber) is empty; remove blank lines between requests")
                continue
            }
            guard let object = (try? JSONSerialization.jsonObject(with: raw)) as? [String: Any] else {
                problem(.invalidJSON, nil, "Line \(lineNumber) is not a JSON object; "
                    + "write each request as one JSON object on its own line")
                continue
            }

            let customID = object["custom_id"] as? String
            if let customID, !customID.isEmpty {
                if let firstLine = firstLineOfCustomID[customID] {
                    problem(.duplicateCustomID, "custom_id", "Line \(lineNumber) reuses custom_id '\(customID)' "
                        + "from line \(firstLine); give every request its own custom_id")
                } else {
                    firstLineOfCustomID[customID] = lineNumber
                }
            } else {
                problem(.missingCustomID, "custom_id", "Line \(lineNumber) has no custom_id; "
                    + "add a non-empty string custom_id to match the request with its result")
            }

            let method = object["method"] as? String
            if method != "POST" {
                problem(.invalidMethod, "method", "Line \(lineNumber) has method \(Self.describe(object["method"])); "
                    + "batch requests must use \"POST\"")
            }

            let url = object["url"] as? String
            if url != endpoint.rawValue {
                problem(.invalidURL, "url", "Line \(lineNumber) has url \(Self.describe(object["url"])); "
                    + "every request of this batch must use the batch's endpoint \"\(endpoint.rawValue)\"")
            }

            var body: Data?
            if object["body"] is [String: Any] {
                // Written back from the order-keeping parse: a schema's properties keep the order the
                // client gave them (constrained decoding writes them in that order).
                if case .object(let line)? = try? JSONValue(parsing: String(decoding: raw, as: UTF8.self)), let bodyValue = line["body"] {
                    body = Data(bodyValue.compactText.utf8)
                }
            }
            if body == nil {
                problem(.missingBody, "body", "Line \(lineNumber) has no body object; "
                    + "put the request's parameters in \"body\": {...}")
            }

            if let customID, let method, let url, let body, errors.isEmpty {
                lines.append(BatchLine(index: index, customID: customID, method: method, url: url, body: body))
            }
        }
        return errors.isEmpty ? .valid(lines) : .invalid(errors)
    }

    /// The file's lines up to its last non-blank one (trailing blank lines are ignored),
    /// without line terminators (LF or CRLF) or a leading UTF-8 byte order mark.
    static func splitLines(_ data: Data) -> [Data] {
        var bytes = data[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            bytes = bytes.dropFirst(3)
        }
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            .map { line in line.last == UInt8(ascii: "\r") ? line.dropLast() : line }
        while let last = lines.last, isBlank(last) {
            lines.removeLast()
        }
        return lines.map { Data($0) }
    }

    private static func isBlank(_ line: some Collection<UInt8>) -> Bool {
        line.allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\r") }
    }

    /// A field's value for an error message: the JSON text of a string, or what is there instead.
    private static func describe(_ value: Any?) -> String {
        switch value {
        case nil: "missing"
        case let string as String: "\"\(string)\""
        default: "of the wrong type"
        }
    }
}
