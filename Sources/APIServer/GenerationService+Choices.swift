import Engine
import OpenAIAPI

/// One event of one choice of a request with `n` > 1: the choice's index and its event.
public typealias ChoiceEvent = (index: Int, event: TokenEvent)

extension GenerationService {
    /// Submits the choices of one request (`n` > 1) and merges their events into one stream,
    /// each tagged with its choice's index, in the order the engine produces them.
    ///
    /// The first choice is submitted now, so that its refusal is thrown here, and runs alone
    /// until its first token, so that its prompt's KV blocks are in the prefix cache when the
    /// others are submitted: they share them instead of computing them again. A later choice's
    /// refusal ends the stream with its error. When the stream ends early (its consumer's task
    /// is cancelled, or the consumer drops it) every choice is cancelled in the engine.
    public func submit(choices requests: [GenerationRequest]) throws(APIError) -> AsyncThrowingStream<ChoiceEvent, any Error> {
        let first = try submit(requests[0])
        return AsyncThrowingStream { continuation in
            let task = Task { [self] in
                do {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        // Says whether the first choice produced an event, once, as soon as it does.
                        let (started, signal) = AsyncStream<Bool>.makeStream()
                        group.addTask {
                            defer { signal.finish() } // also when the first choice ends without an event
                            var signalled = false
                            for try await event in first {
                                if !signalled {
                                    signal.yield(true)
                                    signal.finish()
                                    signalled = true
                                }
                                continuation.yield((0, event))
                            }
                        }
                        var prefilled = false
                        for await event in started { prefilled = event }
                        // Without a first event the first choice failed or was cancelled:
                        // waiting for it ends the stream the same way.
                        if prefilled {
                            for (index, request) in requests.enumerated().dropFirst() {
                                try Task.checkCancellation()
                                let stream = try submit(request)
                                group.addTask {
                                    for try await event in stream { continuation.yield((index, event)) }
                                }
                            }
                        }
                        try await group.waitForAll()
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Runs the choices of one request (`n` > 1) to their end (`submit(choices:)`) and returns
    /// each one's events, in choice order. Cancelling the calling task cancels every choice in
    /// the engine and throws `cancelled`.
    public func collect(choices requests: [GenerationRequest]) async throws(APIError) -> [[TokenEvent]] {
        guard requests.count > 1 else { return [try await collect(requests[0])] }
        let stream = try submit(choices: requests)
        var choices = Array(repeating: [TokenEvent](), count: requests.count)
        do {
            for try await (index, event) in stream { choices[index].append(event) }
        } catch {
            throw Self.apiError(error)
        }
        // A cancelled task's stream ends early, without an error, and some choice without a finish reason.
        guard choices.allSatisfy({ $0.last?.finishReason != nil }) else { throw Self.cancelled }
        return choices
    }
}
