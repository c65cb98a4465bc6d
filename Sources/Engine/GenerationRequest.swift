import Grammar
import LlamaModel
import Scheduling
import Synchronization

/// What a caller submits: a tokenized prompt, its class, sampling and stop rules.
public struct GenerationRequest: Sendable {
    public enum Class: Sendable, Equatable {
        /// Online, with objectives (nil = the engine's defaults).
        case online(ServiceLevelObjective?)
        case offline
    }

    public var id: RequestID
    public var prompt: [Int32]
    public var serviceClass: Class
    public var sampling: SamplingParameters
    /// Output tokens at most; 0 runs the prompt only (prompt scoring).
    public var maxTokens: Int
    public var minTokens: Int = 0
    /// Keep generating past end-of-generation tokens (benchmarks that force lengths).
    public var ignoreEOS: Bool = false
    public var stopTokenIDs: Set<Int32> = []
    /// Output ends right before the first of these appears in the text.
    public var stopStrings: [String] = []
    /// Return each sampled token's log-probability and this many alternatives (nil = none).
    public var topLogprobs: Int? = nil
    /// Return each prompt token's log-probability given the tokens before it, with this many
    /// alternatives per position (nil = none; 0…20). They arrive on the first event.
    public var promptLogprobs: Int? = nil
    /// The grammar the output must match (`response_format`); nil for free text. The output
    /// ends with an end-of-generation token once the grammar is complete.
    public var grammar: TokenGrammar? = nil

    public init(id: RequestID = GenerationRequest.nextID(), prompt: [Int32], serviceClass: Class = .online(nil),
                sampling: SamplingParameters = .greedy, maxTokens: Int) {
        self.id = id
        self.prompt = prompt
        self.serviceClass = serviceClass
        self.sampling = sampling
        self.maxTokens = maxTokens
    }

    private static let counter = Atomic<UInt64>(1)

    /// A process-wide unique id.
    public static func nextID() -> RequestID { counter.add(1, ordering: .relaxed).oldValue }
}

/// One step of a request's output, delivered in order on its stream.
public struct TokenEvent: Sendable {
    /// The sampled token; nil in the final event of a prompt-only request.
    public var token: Int32?
    /// Text released by this token: complete UTF-8 characters, with anything that might
    /// begin a stop string held back until it is decided.
    public var text: String
    public var logprob: TokenLogprob?
    /// Set on the last event.
    public var finishReason: FinishReason?
    /// Set on the last event.
    public var usage: Usage?
    /// For a request with `promptLogprobs`: one entry per prompt token, in order, all on the
    /// request's first event (the one with its first token, or its only event when it
    /// generates nothing); empty on every other event.
    public var promptLogprobs: [PromptTokenLogprob] = []
    /// Seconds from arrival until the request was first scheduled (vLLM's queue time); set on
    /// the request's first event only.
    public var queueSeconds: Double?
}

public struct Usage: Sendable, Equatable {
    public var promptTokens: Int
    public var completionTokens: Int
    /// Prompt tokens served from the prefix cache.
    public var cachedTokens: Int
    public var totalTokens: Int { promptTokens + completionTokens }

    public init(promptTokens: Int, completionTokens: Int, cachedTokens: Int) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.cachedTokens = cachedTokens
    }
}

/// Why a request failed.
public enum EngineError: Error, Sendable, Equatable, CustomStringConvertible {
    /// It could never run (too long for the context or the KV cache, empty prompt…).
    case rejected(SchedulingError)
    case invalidRequest(String)
    case cancelled
    case shutDown
    case executionFailed(String)

    public var description: String {
        switch self {
        case .rejected(let error): error.description
        case .invalidRequest(let message): message
        case .cancelled: "the request was cancelled"
        case .shutDown: "the engine is shutting down; retry on another instance or after restart"
        case .executionFailed(let message): "the step running this request failed: \(message)"
        }
    }
}
