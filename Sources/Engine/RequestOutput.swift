import Scheduling
import Tokenization

/// The engine thread's view of one request's output: its stream, text assembly, prompt
/// log-probabilities and usage.
struct RequestOutput {
    let continuation: AsyncThrowingStream<TokenEvent, any Error>.Continuation
    var detokenizer: IncrementalDetokenizer
    var stopMatcher: StopStringMatcher?
    let promptTokens: Int
    let isOnline: Bool
    var completionTokens = 0
    /// Prompt tokens served from the prefix cache, read when it is first scheduled.
    var cachedTokens: Int?
    /// When it arrived, on the scheduler's clock.
    var arrival: Double?
    /// Arrival to first scheduled, in seconds; sent on the first event only.
    var queueSeconds: Double?
    private var sentQueueSeconds = false
    /// Prompt log-probabilities received and not yet sent (they go out on the next event).
    private var pendingPromptLogprobs: [PromptTokenLogprob] = []
    /// Prompt tokens whose log-probability has been received: the high-water mark that keeps
    /// a recomputed prompt chunk from sending any position twice.
    private var numScoredPromptTokens = 0

    /// With `promptLogprobs`, starts the prompt's log-probabilities with the first token's,
    /// which is null: nothing before it predicts it.
    init(continuation: AsyncThrowingStream<TokenEvent, any Error>.Continuation, detokenizer: IncrementalDetokenizer,
         stopMatcher: StopStringMatcher?, prompt: [Int32], promptLogprobs: Bool, isOnline: Bool) {
        self.continuation = continuation
        self.detokenizer = detokenizer
        self.stopMatcher = stopMatcher
        self.promptTokens = prompt.count
        self.isOnline = isOnline
        if promptLogprobs, let first = prompt.first {
            pendingPromptLogprobs = [PromptTokenLogprob(token: first, logprob: nil, top: [])]
            numScoredPromptTokens = 1
        }
    }

    /// Takes the executor's entries for prompt tokens `firstIndex...`, keeping only those past
    /// the high-water mark. They follow on from it (the scheduler scores positions in order).
    mutating func receivePromptLogprobs(firstIndex: Int, _ entries: [PromptTokenLogprob]) {
        let repeated = numScoredPromptTokens - firstIndex
        guard repeated >= 0, repeated < entries.count else { return }
        pendingPromptLogprobs += entries[repeated...]
        numScoredPromptTokens += entries.count - repeated
    }

    private mutating func takePromptLogprobs() -> [PromptTokenLogprob] {
        defer { pendingPromptLogprobs = [] }
        return pendingPromptLogprobs
    }

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
        var event = TokenEvent(token: token, text: text, logprob: logprob, finishReason: reason,
                               usage: reason == nil ? nil : usage, promptLogprobs: takePromptLogprobs())
        event.queueSeconds = takeQueueSeconds()
        return (event, stoppedByString)
    }

    /// The closing event of a request that ends without a new token.
    mutating func finalEvent(_ reason: FinishReason) -> TokenEvent {
        var text = detokenizer.flush()
        if stopMatcher != nil { text = stopMatcher!.append(text).text + stopMatcher!.finish() }
        var event = TokenEvent(token: nil, text: text, logprob: nil, finishReason: reason, usage: usage,
                               promptLogprobs: takePromptLogprobs())
        event.queueSeconds = takeQueueSeconds()
        return event
    }

    private mutating func takeQueueSeconds() -> Double? {
        guard !sentQueueSeconds else { return nil }
        sentQueueSeconds = true
        return queueSeconds
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
