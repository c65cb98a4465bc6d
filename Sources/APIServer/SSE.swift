import Foundation
import Hummingbird

/// Server-sent events as OpenAI streams them: `data: <json>` per chunk, then `data: [DONE]`.
///
/// When the client goes away, the connection's task is cancelled (`DisconnectAwareHTTP1Channel`)
/// or a write throws; either way the producer's loop over the engine stream ends, the stream is
/// dropped, and dropping it cancels the request in the engine.
enum SSE {
    typealias Send = @Sendable (any Encodable) async throws -> Void

    static func response(_ produce: @escaping @Sendable (_ send: Send) async throws -> Void) -> Response {
        Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
                 body: ResponseBody { writer in
                     let box = WriterBox(writer)
                     do {
                         try await produce { chunk in
                             let data = try HTTPResponses.encoder.encode(chunk)
                             var buffer = ByteBuffer(string: "data: ")
                             buffer.writeBytes(data)
                             buffer.writeString("\n\n")
                             try await box.write(buffer)
                         }
                     } catch let error as APIErrorConvertible {
                         try await box.write(ByteBuffer(string: "data: "))
                         try await box.write(ByteBuffer(bytes: error.apiError.jsonBody()))
                         try await box.write(ByteBuffer(string: "\n\n"))
                     }
                     try await box.write(ByteBuffer(string: "data: [DONE]\n\n"))
                     try await box.finish()
                 })
    }
}

/// Lets the `Send` closure reach the body writer, which the response hands out `inout`.
/// Used from one task only (the response body's), one write at a time.
final class WriterBox: @unchecked Sendable {
    private var writer: any ResponseBodyWriter

    init(_ writer: any ResponseBodyWriter) { self.writer = writer }

    func write(_ buffer: ByteBuffer) async throws { try await writer.write(buffer) }
    func finish() async throws { try await writer.finish(nil) }
}
