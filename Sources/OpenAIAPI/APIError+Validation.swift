/// The 400 errors request validation raises, worded after OpenAI's own so that clients and
/// people who know those messages recognize them. Each names the offending `param`.
extension APIError {
    /// A field of the wrong JSON kind: "Invalid type for 'temperature': expected a number,
    /// but got a string instead."
    public static func invalidType(param: String, expected: String, got: String) -> APIError {
        .invalidRequest("Invalid type for '\(param)': expected \(expected), but got \(got) instead.",
                        param: param, code: "invalid_type")
    }

    public static func missingParameter(_ param: String) -> APIError {
        .invalidRequest("Missing required parameter: '\(param)'.", param: param, code: "missing_required_parameter")
    }

    /// A key this server does not know, rejected rather than ignored so that a typo
    /// (`max_token`) does not silently change what the request does.
    public static func unrecognizedArgument(_ param: String) -> APIError {
        .invalidRequest("Unrecognized request argument supplied: \(param)", param: param, code: "unknown_parameter")
    }

    /// An OpenAI parameter (or a value of one) that this server cannot honor. `reason` says
    /// what the server does instead or what to send.
    public static func unsupported(param: String, _ reason: String) -> APIError {
        .invalidRequest("Unsupported value for '\(param)': \(reason)", param: param, code: "unsupported_value")
    }

    /// A value outside a fixed set: "Invalid value: 'foo'. Supported values are: 'a', 'b', and 'c'."
    public static func invalidValue(param: String, got: String, supported: [String]) -> APIError {
        let quoted = supported.map { "'\($0)'" }
        let list: String
        switch quoted.count {
        case 0: list = "none"
        case 1: list = quoted[0]
        case 2: list = "\(quoted[0]) and \(quoted[1])"
        default: list = quoted.dropLast().joined(separator: ", ") + ", and " + quoted.last!
        }
        return .invalidRequest("Invalid value for '\(param)': '\(got)'. Supported values are: \(list).",
                               param: param, code: "invalid_value")
    }

    /// Any other value that breaks a rule: `problem` says which, e.g. "must be set to true
    /// when 'top_logprobs' is used".
    public static func invalidValue(param: String, _ problem: String) -> APIError {
        .invalidRequest("Invalid '\(param)': \(problem)", param: param, code: "invalid_value")
    }

    /// A number under its lower bound. `exclusive` bounds (top_p > 0) read "greater than".
    static func belowMinimum(param: String, minimum: Double, exclusive: Bool = false, got: Double,
                             isInteger: Bool) -> APIError {
        let kind = isInteger ? "integer" : "decimal"
        let bound = exclusive ? "> \(format(minimum))" : ">= \(format(minimum))"
        return .invalidRequest(
            "Invalid '\(param)': \(isInteger ? "integer" : "number") below minimum value. "
                + "Expected a value \(bound), but got \(format(got)) instead.",
            param: param, code: "\(kind)_below_min_value")
    }

    static func aboveMaximum(param: String, maximum: Double, got: Double, isInteger: Bool) -> APIError {
        let kind = isInteger ? "integer" : "decimal"
        return .invalidRequest(
            "Invalid '\(param)': \(isInteger ? "integer" : "number") above maximum value. "
                + "Expected a value <= \(format(maximum)), but got \(format(got)) instead.",
            param: param, code: "\(kind)_above_max_value")
    }

    static func arrayTooLong(param: String, maximum: Int, got: Int) -> APIError {
        .invalidRequest(
            "Invalid '\(param)': array too long. Expected an array with maximum length \(maximum), "
                + "but got an array with length \(got) instead.",
            param: param, code: "array_above_max_length")
    }

    static func emptyArray(param: String) -> APIError {
        .invalidRequest(
            "Invalid '\(param)': empty array. Expected an array with minimum length 1, "
                + "but got an empty array instead.",
            param: param, code: "empty_array")
    }

    /// The prompt plus the requested output does not fit the model's context window.
    public static func contextLengthExceeded(maxContext: Int, promptTokens: Int, maxTokens: Int,
                                             param: String = "messages") -> APIError {
        .invalidRequest(
            "This model's maximum context length is \(maxContext) tokens. However, you requested "
                + "\(promptTokens + maxTokens) tokens (\(promptTokens) in the prompt, \(maxTokens) for the "
                + "completion). Please reduce the prompt or the completion length.",
            param: param, code: "context_length_exceeded")
    }

    /// 2 rather than 2.0, so messages read as the user wrote the value.
    static func format(_ value: Double) -> String {
        if let integer = Int(exactly: value) { return String(integer) }
        return String(value)
    }
}
