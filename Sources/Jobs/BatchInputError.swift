/// One problem with a batch's input file, in the shape of an entry of OpenAI's
/// `batch.errors.data`: what is wrong (`code`, `message`), on which line, and with which field.
public struct BatchInputError: Codable, Sendable, Hashable {
    public var code: Code
    public var message: String
    /// The field at fault (`custom_id`, `method`, `url`, `body`), if one is.
    public var param: String?
    /// 1-based line of the input file, or nil for a problem with the file as a whole.
    public var line: Int?

    public init(code: Code, message: String, param: String? = nil, line: Int? = nil) {
        self.code = code
        self.message = message
        self.param = param
        self.line = line
    }

    /// An error code. An open set, as OpenAI's is: the server may add its own
    /// (say, for an input file that cannot be read), and stored codes always decode.
    public struct Code: RawRepresentable, Codable, Sendable, Hashable, CustomStringConvertible {
        public var rawValue: String

        public init(rawValue: String) { self.rawValue = rawValue }

        public init(from decoder: any Decoder) throws {
            rawValue = try decoder.singleValueContainer().decode(String.self)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(rawValue)
        }

        public var description: String { rawValue }

        /// The line is not a JSON object.
        public static let invalidJSON = Code(rawValue: "invalid_json")
        /// `custom_id` is missing, not a string, or empty.
        public static let missingCustomID = Code(rawValue: "missing_custom_id")
        /// `custom_id` was already used on an earlier line.
        public static let duplicateCustomID = Code(rawValue: "duplicate_custom_id")
        /// `method` is not "POST".
        public static let invalidMethod = Code(rawValue: "invalid_method")
        /// `url` is not the batch's endpoint.
        public static let invalidURL = Code(rawValue: "invalid_url")
        /// `body` is missing or not a JSON object.
        public static let missingBody = Code(rawValue: "missing_body")
        /// The file has no request lines.
        public static let emptyFile = Code(rawValue: "empty_file")
        /// The file has more request lines than a batch may hold.
        public static let tooManyLines = Code(rawValue: "too_many_lines")
    }
}
