import Foundation

extension ChatCompletionRequest {
    /// Reads and validates a client's body: the one entry point the server uses.
    ///
    /// The error names what is wrong and where: an empty body, bytes that are not UTF-8, text
    /// that is not JSON, an unknown field ("Unrecognized request argument supplied: foo"), a
    /// missing or mistyped field, a value out of range, or something this server cannot do.
    public static func decode(_ body: Data) -> Result<ChatCompletionRequest, APIError> {
        Result { () throws(APIError) in
            try ChatCompletionRequest(validating: try JSONValue.parseRequestBody(body))
        }
    }

    /// The wire names this request reads, the shared ones included. The unsupported ones
    /// are known too: sent as null they ask for nothing.
    static let knownKeys: Set<String> = sharedFieldKeys.union([
        "messages", "max_tokens", "max_completion_tokens", "logprobs", "top_logprobs", "tools", "tool_choice",
        "parallel_tool_calls",
    ]).union(ignorableKeys).union(unsupportedParameters.keys)

    /// Fields accepted only while they ask for nothing this server would have to do.
    private static let ignorableKeys: Set<String> = [
        "functions", "function_call",
        "store", "modalities",
    ]

    /// OpenAI parameters this server does not implement, with what to do instead. Named
    /// apart from unknown fields so the error does not call a real parameter a typo.
    private static let unsupportedParameters: [String: String] = [
        "audio": "this server produces text only.",
        "prediction": "predicted outputs are not supported.",
        "reasoning_effort": "the models this server runs do not take a reasoning effort.",
        "verbosity": "the models this server runs do not take a verbosity.",
        "web_search_options": "this server does not search the web.",
        "metadata": "this server does not store chat completions, so there is nothing to tag.",
        "prompt_cache_key": "prefix caching here is automatic; leave the key out.",
        "safety_identifier": "this server does no abuse monitoring; leave it out ('user' is accepted).",
    ]

    init(validating fields: [String: JSONValue]) throws(APIError) {
        let body = JSONObjectReader(fields)
        for key in Self.unsupportedParameters.keys.sorted() where body.value(key) != nil {
            throw .unsupported(param: key, Self.unsupportedParameters[key]!)
        }
        try body.rejectUnknownKeys(Self.knownKeys)
        try Self.checkIgnorableFields(body)

        let model = try body.require(body.string("model"), "model")
        let messageValues = try body.require(body.array("messages"), "messages")
        var messages: [Message] = []
        messages.reserveCapacity(messageValues.count)
        for (index, value) in messageValues.enumerated() {
            messages.append(try Message(reading: value, at: "messages[\(index)]"))
        }
        self.init(model: model, messages: messages)
        maxTokens = try body.integer("max_tokens")
        maxCompletionTokens = try body.integer("max_completion_tokens")
        logprobs = try body.bool("logprobs")
        topLogprobs = try body.integer("top_logprobs")
        if let values = try body.array("tools") {
            var tools: [ChatTool] = []
            for (index, value) in values.enumerated() { tools.append(try ChatTool.read(value, at: "tools[\(index)]")) }
            self.tools = tools
        }
        if let choice = body.value("tool_choice") { toolChoice = try ToolChoice.read(choice, at: "tool_choice") }
        parallelToolCalls = try body.bool("parallel_tool_calls")
        try readSharedFields(from: body)
        try validate()
    }

    /// Accepts the fields of `ignorableKeys` only with values that change nothing.
    private static func checkIgnorableFields(_ body: JSONObjectReader) throws(APIError) {
        if let functions = try body.array("functions"), !functions.isEmpty {
            throw .unsupported(param: "functions", "the deprecated 'functions' are not supported; send them as 'tools'.")
        }
        switch body.value("function_call") {
        case nil, .string("none")?, .string("auto")?: break
        default:
            throw .unsupported(param: "function_call", "the deprecated 'function_call' is not supported; use 'tool_choice'.")
        }
        if try body.bool("store") == true {
            throw .unsupported(param: "store", "this server does not store chat completions; send false or leave it out.")
        }
        if let modalities = try body.array("modalities") {
            for (index, modality) in modalities.enumerated() where try modality.string(at: "modalities[\(index)]") != "text" {
                throw .unsupported(param: "modalities[\(index)]", "this server produces text only; send [\"text\"].")
            }
        }
    }
}
