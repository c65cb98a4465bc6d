import Scheduling

/// One request the load generator sends, identical for every target: text (what an HTTP
/// server tokenizes), its token count under the default model's tokenizer, and how much to
/// generate.
public struct WorkloadRequest: Sendable, Equatable {
    public var workClass: WorkClass
    public var text: String
    public var promptTokens: Int
    public var maxTokens: Int
    /// Force the output to `maxTokens` (trace replay: the trace fixes the output length).
    public var ignoreEOS: Bool
    /// The online objective sent with the request (nil for offline work).
    public var objective: ServiceLevelObjective?

    public init(workClass: WorkClass, text: String, promptTokens: Int, maxTokens: Int, ignoreEOS: Bool,
                objective: ServiceLevelObjective? = nil) {
        self.workClass = workClass
        self.text = text
        self.promptTokens = promptTokens
        self.maxTokens = maxTokens
        self.ignoreEOS = ignoreEOS
        self.objective = objective
    }
}

/// An online request and when it arrives, in seconds from the start of the run.
public struct TimedRequest: Sendable, Equatable {
    public var arrival: Double
    public var request: WorkloadRequest

    public init(arrival: Double, request: WorkloadRequest) {
        self.arrival = arrival
        self.request = request
    }
}
