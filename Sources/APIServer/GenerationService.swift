import Engine
import Foundation
import OpenAIAPI
import Scheduling
import Synchronization
import Tokenization
import Logging

/// Runs requests on the engine for the completion pipeline (routes and batch worker) and
/// in-process callers: admission (429 past `maxQueuedOnline`), submission (an online request
/// without objectives gets the defaults, `ObjectiveDefaults.completed`), metrics, and engine
/// errors turned into OpenAI errors.
public final class GenerationService: Sendable {
    public let engine: EngineHandle
    public let prompts: PromptEncoder
    public let modelName: String
    let maxQueuedOnline: Int
    /// Online requests submitted that have not yet produced their first event.
    private let waitingOnline = WaitingCount()
    /// Requests submitted whose stream has not ended, so that shutdown can cancel them.
    private let running = Mutex<Set<RequestID>>([])
    /// Set when shutdown's grace period is over: nothing new is taken, and what it cancels
    /// ends in a 503 that says so.
    private let stopping = Atomic<Bool>(false)

    public let metrics: ServerMetrics
    let logger: Logger
    /// Compiled `response_format` grammars, shared by every request.
    let grammars: ResponseGrammars

    public init(engine: EngineHandle, prompts: PromptEncoder, modelName: String, maxQueuedOnline: Int,
                logger: Logger = Logger(label: "conserve")) {
        self.engine = engine
        self.prompts = prompts
        self.modelName = modelName
        metrics = ServerMetrics(modelName: modelName)
        grammars = ResponseGrammars(tokenizer: prompts.tokenizer)
        self.maxQueuedOnline = maxQueuedOnline
        self.logger = logger
    }

    public var tokenizer: Tokenizer { prompts.tokenizer }

    /// The service class and objectives every request gets, from the engine's defaults.
    var objectives: ObjectiveDefaults { ObjectiveDefaults(objective: engine.configuration.defaultObjective) }

    /// Submits `request`; the stream's events arrive as the engine produces them.
    public func submit(_ request: GenerationRequest) throws(APIError) -> AsyncThrowingStream<TokenEvent, any Error> {
        guard !stopping.load(ordering: .relaxed) else { throw Self.shuttingDown }
        var request = request
        request.serviceClass = objectives.completed(request.serviceClass)
        let objective = request.serviceClass.objective, online = objective != nil
        if online {
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
        running.withLock { _ = $0.insert(request.id) }
        if stopping.load(ordering: .relaxed) { engine.cancel(request.id) } // raced with cancelRunning()
        // Watch the request: first event (ends its wait in the online queue), latencies, log line.
        let release = online ? OneRelease(waitingOnline) : nil
        let (metrics, logger, id, promptTokens, isOnline) = (self.metrics, self.logger, request.id, request.prompt.count, online)
        let clock = ContinuousClock(), start = clock.now
        return AsyncThrowingStream { continuation in
            let task = Task { [self] in
                var firstToken: Double?
                var lastToken: Double?
                var queue: Double?
                var usage: Usage?
                var outcome = "cancelled"
                var failure: (any Error)?
                do {
                    for try await event in stream {
                        let elapsed = (clock.now - start).inSeconds
                        if firstToken == nil {
                            firstToken = elapsed
                            release?.release()
                        }
                        if event.token != nil {
                            if let lastToken { metrics.vllm.recordInterTokenLatency(elapsed - lastToken) }
                            lastToken = elapsed
                        }
                        queue = event.queueSeconds ?? queue
                        usage = event.usage ?? usage
                        if let reason = event.finishReason { outcome = reason.rawValue }
                        continuation.yield(event)
                    }
                } catch EngineError.cancelled where self.stopping.load(ordering: .relaxed) {
                    outcome = "cancelled at shutdown"
                    failure = Self.shuttingDown
                } catch {
                    outcome = "error"
                    failure = error
                }
                // Accounted for (no longer running, in the metrics) by the time the consumer sees the end.
                self.running.withLock { _ = $0.remove(id) }
                release?.release()
                let e2e = (clock.now - start).inSeconds
                metrics.record(online: isOnline, objective: objective, ttft: firstToken, e2e: e2e, queue: queue, usage: usage)
                continuation.finish(throwing: failure)
                logger.info("request \(id) \(isOnline ? "online" : "offline") \(outcome): \(promptTokens) prompt + \(usage?.completionTokens ?? 0) generated tokens, ttft \(firstToken.map { String(format: "%.3f", $0) } ?? "-") s, total \(String(format: "%.3f", e2e)) s")
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Runs a request to its end and returns every event. Cancelling the calling task (the
    /// client went away, or shutdown ran out of time) cancels the request in the engine and
    /// throws `cancelled`.
    public func collect(_ request: GenerationRequest) async throws(APIError) -> [TokenEvent] {
        let stream = try submit(request)
        var events: [TokenEvent] = []
        do {
            for try await event in stream { events.append(event) }
        } catch {
            throw Self.apiError(error)
        }
        // A cancelled task's stream ends early, without an error and without a finish reason.
        guard events.last?.finishReason != nil else { throw Self.cancelled }
        return events
    }

    /// Requests running now (submitted, stream not ended).
    public var runningCount: Int { running.withLock { $0.count } }

    /// Shutdown's grace period is over: cancels every request still running (each ends with
    /// a 503 saying the server is shutting down) and refuses new ones. Returns how many it cancelled.
    @discardableResult
    public func cancelRunning() -> Int {
        stopping.store(true, ordering: .relaxed)
        let ids = running.withLock { $0 }
        for id in ids { engine.cancel(id) }
        return ids.count
    }

    /// What a request cancelled by shutdown ends with.
    static let shuttingDown = APIError.serviceUnavailable(
        "the server is shutting down and its grace period is over; retry on another instance or after restart",
        retryAfterSeconds: 5)

    /// What a request whose handler was cancelled ends with: the client has gone away (nobody
    /// reads this) or shutdown is cutting connections short.
    static let cancelled = APIError.serviceUnavailable(
        "the request was cancelled before it finished: the client went away or the server is shutting down",
        retryAfterSeconds: 5)

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
