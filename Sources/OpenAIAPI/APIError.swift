import Foundation

/// OpenAI's error object, `{"error": {"message", "type", "param", "code"}}`, with the HTTP
/// status it is sent under.
///
/// Every failure a client can cause or meet is one of these: the message says what was wrong
/// and what to do, `param` names the offending field by its path in the request
/// (`"temperature"`, `"messages[2].content"`), and `code` is a stable machine-readable tag.
public struct APIError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The HTTP status code; not part of the body.
    public var status: Int
    public var message: String
    /// OpenAI's error class: "invalid_request_error", "not_found_error", "server_error"…
    public var type: String
    public var param: String?
    public var code: String?
    /// For 429 and 503: seconds the client should wait, sent as the `Retry-After` header.
    public var retryAfterSeconds: Int?

    public init(status: Int, message: String, type: String, param: String? = nil, code: String? = nil,
                retryAfterSeconds: Int? = nil) {
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
        self.retryAfterSeconds = retryAfterSeconds
    }

    public var description: String {
        var text = "\(status) \(type): \(message)"
        if let param { text += " (param: \(param))" }
        if let code { text += " [\(code)]" }
        return text
    }
}

// MARK: - One helper per status

extension APIError {
    /// 400: the request is malformed or asks for something this server does not do.
    public static func invalidRequest(_ message: String, param: String? = nil, code: String? = nil) -> APIError {
        APIError(status: 400, message: message, type: "invalid_request_error", param: param, code: code)
    }

    /// 401: a missing or wrong API key.
    public static func invalidAPIKey(
        _ message: String = "Incorrect or missing API key. Send it as the header 'Authorization: Bearer <key>'."
    ) -> APIError {
        APIError(status: 401, message: message, type: "authentication_error", code: "invalid_api_key")
    }

    /// 404: an object (file, batch, route) that does not exist.
    public static func notFound(_ message: String, param: String? = nil, code: String? = nil) -> APIError {
        APIError(status: 404, message: message, type: "not_found_error", param: param, code: code)
    }

    /// 404 for a `model` this server does not serve.
    public static func modelNotFound(_ model: String, available: [String] = []) -> APIError {
        var message = "The model '\(model)' does not exist on this server."
        if !available.isEmpty {
            message += " Available models: \(available.map { "'\($0)'" }.joined(separator: ", "))."
        }
        return notFound(message, param: "model", code: "model_not_found")
    }

    /// 413: a body (or uploaded file) over the server's size limit.
    public static func requestTooLarge(_ message: String) -> APIError {
        APIError(status: 413, message: message, type: "request_too_large", code: "request_too_large")
    }

    /// 422: well-formed, but it cannot be processed in the state things are in (a batch's
    /// input file that is not valid JSONL, cancelling a finished batch…).
    public static func unprocessable(_ message: String, param: String? = nil, code: String? = nil) -> APIError {
        APIError(status: 422, message: message, type: "unprocessable_entity_error", param: param, code: code)
    }

    /// 429: the client is over a limit and should come back after `retryAfterSeconds`.
    public static func rateLimited(_ message: String, retryAfterSeconds: Int) -> APIError {
        APIError(status: 429, message: message, type: "rate_limit_error", code: "rate_limit_exceeded",
                 retryAfterSeconds: retryAfterSeconds)
    }

    /// 500: a fault of the server's, not the request's.
    public static func serverError(_ message: String) -> APIError {
        APIError(status: 500, message: message, type: "server_error", code: "server_error")
    }

    /// 503: the server cannot take work now (overloaded, shutting down, still loading).
    public static func serviceUnavailable(_ message: String, retryAfterSeconds: Int? = nil) -> APIError {
        APIError(status: 503, message: message, type: "service_unavailable", code: "service_unavailable",
                 retryAfterSeconds: retryAfterSeconds)
    }
}

// MARK: - Wire format

extension APIError: Encodable {
    private enum EnvelopeKeys: String, CodingKey { case error }
    private enum BodyKeys: String, CodingKey { case message, type, param, code }

    /// Writes `{"error": {...}}`, with `param` and `code` as JSON null when absent: the
    /// official clients read all four keys.
    public func encode(to encoder: any Encoder) throws {
        var envelope = encoder.container(keyedBy: EnvelopeKeys.self)
        var body = envelope.nestedContainer(keyedBy: BodyKeys.self, forKey: .error)
        try body.encode(message, forKey: .message)
        try body.encode(type, forKey: .type)
        try body.encode(param, forKey: .param)
        try body.encode(code, forKey: .code)
    }

    /// The body as JSON bytes, ready to send.
    public func jsonBody() -> Data {
        // Encoding four strings cannot fail; the fallback keeps the signature total.
        (try? JSONEncoder().encode(self)) ?? Data(#"{"error":{"message":"internal error","type":"server_error","param":null,"code":null}}"#.utf8)
    }

    /// Reads an error body a server sent with `status` (for clients: the bench, the CLI).
    /// Nil when the body is not an error object. Lenient on purpose: other servers send
    /// `code` as a number or leave out `type`.
    public static func decode(_ body: Data, status: Int, retryAfterSeconds: Int? = nil) -> APIError? {
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: body),
              case .object(let envelope) = value, case .object(let error)? = envelope["error"]
        else { return nil }
        return APIError(reading: error, status: status, retryAfterSeconds: retryAfterSeconds)
    }

    /// Reads the object inside `{"error": ...}`, leniently as `decode` does; nil without a message.
    init?(reading error: JSONObject, status: Int, retryAfterSeconds: Int? = nil) {
        guard case .string(let message)? = error["message"] else { return nil }
        func text(_ key: String) -> String? {
            switch error[key] {
            case .string(let text)?: text
            case .integer(let number)?: String(number)
            default: nil
            }
        }
        self.init(status: status, message: message, type: text("type") ?? "", param: text("param"),
                  code: text("code"), retryAfterSeconds: retryAfterSeconds)
    }
}
