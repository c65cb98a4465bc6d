import Engine
import Foundation
import OpenAIAPI
import Scheduling
import Synchronization
import Tokenization

/// Runs requests on the engine for the HTTP routes and the batch worker: admission (429 past
/// `maxQueuedOnline`), submission with the server's defaults filled in, and engine errors
/// turned into OpenAI errors.
public final class GenerationService: Sendable {
    public let engine: EngineHandle
    public let prompts: PromptEncoder
    public let modelName: String
    let maxQueuedOnline: Int
    /// Online requests submitted that have not yet produced their first event.
    private let waitingOnline = WaitingCount()

    public init(engine: EngineHandle, prompts: PromptEncoder, modelName: String, maxQueuedOnline: Int) {
        self.engine = engine
        self.prompts = prompts
        self.modelName = modelName
        self.maxQueuedOnline = maxQueuedOnline
    }

    public var tokenizer: Tokenizer { prompts.tokenizer }

    /// Submits `request`; the stream's events arrive as the engine produces them.
    public func submit(_ request: GenerationRequest) throws(APIError) -> AsyncThrowingStream<TokenEvent, any Error> {
        var request = request
        var online = false
        if case .online(let slo) = request.serviceClass {
            online = true
            request.serviceClass = .online(slo?.completed(by: engine.configuration.defaultObjective))
            if waitingOnline.value.add(1, ordering: .relaxed).newValue > maxQueuedOnline {
                waitingOnline.value.subtract(1, ordering: .relaxed)
                throw APIError.rateLimited("more than \(maxQueuedOnline) online requests are waiting; retry shortly",
                                           retryAfterSeconds: 1)
            }
        }
        let stream: AsyncThrowingStream<TokenEvent, any Error>
        do {
            stream = try engine.submit(request)
        } catch {
            if online { waitingOnline.value.subtract(1, ordering: .relaxed) }
            throw Self.apiError(error)
        }
        guard online else { return stream }
        // Count the request as waiting until its first event (or its end).
        let counter = OneRelease(waitingOnline)
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    for try await event in stream {
                        counter.release()
                        continuation.yield(event)
                    }
                    counter.release()
                    continuation.finish()
                } catch {
                    counter.release()
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Runs a request to its end and returns every event.
    public func collect(_ request: GenerationRequest) async throws(APIError) -> [TokenEvent] {
        let stream = try submit(request)
        var events: [TokenEvent] = []
        do {
            for try await event in stream { events.append(event) }
        } catch {
            throw Self.apiError(error)
        }
        return events
    }

    /// The OpenAI error for an engine error.
    public static func apiError(_ error: any Error) -> APIError {
        switch error {
        case let error as APIError: return error
        case EngineError.rejected(let reason):
            switch reason {
            case .exceedsContext, .exceedsKVCache:
                return APIError.invalidRequest(reason.description, param: "messages", code: "context_length_exceeded")
            default:
                return APIError.invalidRequest(reason.description)
            }
        case EngineError.invalidRequest(let message): return APIError.invalidRequest(message)
        case EngineError.shutDown: return APIError.serviceUnavailable("the server is shutting down", retryAfterSeconds: 5)
        case EngineError.cancelled: return APIError.serverError("the request was cancelled")
        case is CancellationError: return APIError.serverError("the request was cancelled")
        default: return APIError.serverError("\(error)")
        }
    }
}

/// A count shared between tasks.
final class WaitingCount: Sendable {
    let value = Atomic<Int>(0)
}

/// Takes one off a `WaitingCount`, once, however often it is called.
final class OneRelease: Sendable {
    private let count: WaitingCount
    private let done = Atomic<Bool>(false)

    init(_ count: WaitingCount) { self.count = count }

    func release() {
        if !done.exchange(true, ordering: .relaxed) { count.value.subtract(1, ordering: .relaxed) }
    }
}
