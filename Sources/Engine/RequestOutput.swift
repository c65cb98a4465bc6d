import Scheduling
import Tokenization

/// The engine thread's view of one request's output: its stream, text assembly and usage.
struct RequestOutput {
    let continuation: AsyncThrowingStream<TokenEvent, any Error>.Continuation
    var detokenizer: IncrementalDetokenizer
    var stopMatcher: StopStringMatcher?
    let promptTokens: Int
    let isOnline: Bool
    var completionTokens = 0
    /// Prompt tokens served from the prefix cache, read when it is first scheduled.
    var cachedTokens: Int?

    var usage: Usage { Usage(promptTokens: promptTokens, completionTokens: completionTokens, cachedTokens: cachedTokens ?? 0) }

    /// Turns a sampled token into an event. Returns the event and whether a stop string ended
    /// the request (the scheduler did not see that one).
    mutating func event(for token: Int32, finishReason: FinishReason?, logprob: TokenLogprob?) -> (TokenEvent, stoppedByString: Bool) {
        completionTokens += 1
        var text = detokenizer.append(token)
        var reason = finishReason
        var stoppedByString = false
        if reason != nil { text += detokenizer.flush() }
        if stopMatcher != nil {
            let matched = stopMatcher!.append(text)
            text = matched.text
            if matched.hitStop {
                stoppedByString = reason == nil
                reason = .stop
            } else if reason != nil {
                text += stopMatcher!.finish()
            }
        }
        let event = TokenEvent(token: token, text: text, logprob: logprob, finishReason: reason,
                               usage: reason == nil ? nil : usage)
        return (event, stoppedByString)
    }

    /// The closing event of a request that ends without a new token.
    mutating func finalEvent(_ reason: FinishReason) -> TokenEvent {
        var text = detokenizer.flush()
        if stopMatcher != nil { text = stopMatcher!.append(text).text + stopMatcher!.finish() }
        return TokenEvent(token: nil, text: text, logprob: nil, finishReason: reason, usage: usage)
    }
}

/// What the engine publishes after each step.
public struct EngineStats: Sendable {
    public var scheduler = SchedulerSnapshot()
    /// Seconds from raising the preemption flag to the step returning, most recent last.
    public var preemptionLatencies: [Double] = []
    /// Problems the idle-time integrity check found (none, unless there is a bug).
    public var integrityViolations: [String] = []
    public var checkpoint = Checkpointer.Stats()
    public var checkpointCapacityBytes = 0
    public var kvBlockBytes = 0
    /// Prompt and generated tokens of finished requests, per class (online, offline).
    public var promptTokens = [0, 0]
    public var generatedTokens = [0, 0]
    public var finishedRequests = [0, 0]
    /// Forward-pass seconds of completed and of abandoned steps.
    public var busySeconds = 0.0
    public var wastedSeconds = 0.0

    public init() {}
}
