import Foundation

extension CompletionRequest {
    /// Reads and validates a client's body: the one entry point the server uses. Errors are
    /// as for `ChatCompletionRequest.decode(_:)`.
    public static func decode(_ body: Data) -> Result<CompletionRequest, APIError> {
        Result { () throws(APIError) in
            try CompletionRequest(validating: try JSONValue.parseRequestBody(body))
        }
    }

    static let knownKeys: Set<String> = sharedFieldKeys.union([
        "prompt", "max_tokens", "logprobs", "echo",
        // Accepted only with values that change nothing; see `checkIgnorableFields`.
        "best_of", "suffix",
    ])

    init(validating fields: [String: JSONValue]) throws(APIError) {
        let body = JSONObjectReader(fields)
        try body.rejectUnknownKeys(Self.knownKeys)
        if let bestOf = try body.integer("best_of"), bestOf != 1 {
            throw .unsupported(param: "best_of", "this server generates one candidate per request, so 'best_of' must be 1.")
        }
        if let suffix = try body.string("suffix"), !suffix.isEmpty {
            throw .unsupported(param: "suffix", "inserting between a prompt and a suffix is not supported.")
        }

        let model = try body.require(body.string("model"), "model")
        let prompt = try Self.readPrompt(body)
        self.init(model: model, prompt: prompt)
        maxTokens = try body.integer("max_tokens")
        logprobs = try body.integer("logprobs")
        echo = try body.bool("echo")
        try readSharedFields(from: body)
        try validate()
    }

    /// A prompt is a string, token ids, or a batch of either; batches must hold exactly one.
    private static func readPrompt(_ body: JSONObjectReader) throws(APIError) -> Prompt {
        switch body.value("prompt") {
        case nil:
            throw .missingParameter("prompt")
        case .string(let text)?:
            return .text(text)
        case .array(let elements)?:
            guard let first = elements.first else { throw .emptyArray(param: "prompt") }
            switch first {
            case .string, .array:
                if elements.count > 1 {
                    throw .unsupported(param: "prompt",
                                       "this server takes one prompt per request, but got \(elements.count). "
                                           + "Send each as its own request, or submit them together through the Batch API.")
                }
                if case .string(let text) = first { return .text(text) }
                return .tokens(try readTokens(try first.array(at: "prompt[0]"), at: "prompt[0]"))
            default:
                return .tokens(try readTokens(elements, at: "prompt"))
            }
        case let other?:
            throw .invalidType(param: "prompt", expected: "a string, an array of strings, or an array of token ids",
                               got: other.kindDescription)
        }
    }

    private static func readTokens(_ elements: [JSONValue], at path: String) throws(APIError) -> [Int32] {
        var tokens: [Int32] = []
        tokens.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            // The element's path is built only on failure: prompts run to many thousands of ids.
            guard let id = element.integerValue else {
                _ = try element.integer(at: "\(path)[\(index)]")
                continue
            }
            guard let token = Int32(exactly: id) else {
                throw .invalidValue(param: "\(path)[\(index)]", "\(id) is not a token id (out of range).")
            }
            tokens.append(token)
        }
        return tokens
    }
}
