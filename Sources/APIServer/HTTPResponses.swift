import Foundation
import Hummingbird
import NIOCore
import OpenAIAPI

/// Response builders shared by the routes: JSON bodies and OpenAI error objects.
enum HTTPResponses {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }()

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        do {
            let data = try encoder.encode(value)
            return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
        } catch {
            return self.error(.serverError("could not encode the response: \(error)"))
        }
    }

    static func error(_ error: APIError) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let seconds = error.retryAfterSeconds { headers[.retryAfter] = String(seconds) }
        return Response(status: HTTPResponse.Status(code: error.status), headers: headers,
                        body: .init(byteBuffer: ByteBuffer(bytes: error.jsonBody())))
    }

    /// The request body, at most `limit` bytes (413 beyond).
    static func body(of request: Request, limit: Int) async throws(APIError) -> Data {
        do {
            let buffer = try await request.body.collect(upTo: limit)
            return Data(buffer.readableBytesView)
        } catch is NIOTooManyBytesError {
            throw APIError.requestTooLarge("the request body is larger than the limit of \(limit) bytes (--max-body-size)")
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw APIError.requestTooLarge("the request body is larger than the limit of \(limit) bytes (--max-body-size)")
        } catch {
            throw APIError.invalidRequest("could not read the request body: \(error)")
        }
    }
}

/// Turns anything a route throws into an OpenAI error object: unknown routes are 404,
/// everything unexpected 500. Nothing a client sends reaches it as a crash.
struct OpenAIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIErrorConvertible {
            return HTTPResponses.error(error.apiError)
        } catch let error as HTTPError {
            switch error.status {
            case .notFound:
                return HTTPResponses.error(.notFound("no route for \(request.method) \(request.uri.path)", code: "unknown_url"))
            case .methodNotAllowed:
                return HTTPResponses.error(APIError(status: 405, message: "\(request.method) is not allowed on \(request.uri.path)",
                                                    type: "invalid_request_error"))
            case .contentTooLarge:
                return HTTPResponses.error(.requestTooLarge("the request body is too large"))
            default:
                return HTTPResponses.error(APIError(status: Int(error.status.code), message: error.body ?? "\(error.status)",
                                                    type: "invalid_request_error"))
            }
        } catch {
            return HTTPResponses.error(.serverError("\(error)"))
        }
    }
}

/// `--api-key`: every `/v1` route needs `Authorization: Bearer <key>`.
struct APIKeyMiddleware<Context: RequestContext>: RouterMiddleware {
    let key: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.uri.path.hasPrefix("/v1") else { return try await next(request, context) }
        guard let header = request.headers[.authorization] else {
            return HTTPResponses.error(.invalidAPIKey("you did not provide an API key; send Authorization: Bearer <key>"))
        }
        guard header == "Bearer \(key)" else {
            return HTTPResponses.error(.invalidAPIKey("incorrect API key provided"))
        }
        return try await next(request, context)
    }
}
