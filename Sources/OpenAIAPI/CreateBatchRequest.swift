import Foundation

/// The body of `POST /v1/batches`.
public struct CreateBatchRequest: Codable, Sendable, Equatable {
    /// OpenAI's limits on `metadata`, kept so that a batch created here can be created there.
    public static let maxMetadataPairs = 16
    public static let maxMetadataKeyLength = 64
    public static let maxMetadataValueLength = 512
    public static let supportedCompletionWindow = "24h"

    /// A file uploaded with purpose "batch": one request per line.
    public var inputFileID: String
    public var endpoint: BatchEndpoint
    /// Must be "24h".
    public var completionWindow: String
    public var metadata: [String: String]?

    public init(inputFileID: String, endpoint: BatchEndpoint, completionWindow: String = "24h",
                metadata: [String: String]? = nil) {
        self.inputFileID = inputFileID
        self.endpoint = endpoint
        self.completionWindow = completionWindow
        self.metadata = metadata
    }

    enum CodingKeys: String, CodingKey {
        case endpoint, metadata
        case inputFileID = "input_file_id"
        case completionWindow = "completion_window"
    }

    /// Decoding validates as `decode(_:)` does.
    public init(from decoder: any Decoder) throws {
        try self.init(validating: JSONValue.requestFields(from: decoder))
    }

    /// Reads and validates a client's body; errors name the offending `param`.
    public static func decode(_ body: Data) -> Result<CreateBatchRequest, APIError> {
        Result { () throws(APIError) in
            try CreateBatchRequest(validating: try JSONValue.parseRequestBody(body))
        }
    }

    init(validating fields: [String: JSONValue]) throws(APIError) {
        let body = JSONObjectReader(fields)
        try body.rejectUnknownKeys(["input_file_id", "endpoint", "completion_window", "metadata"])
        let inputFileID = try body.require(body.string("input_file_id"), "input_file_id")
        let endpointPath = try body.require(body.string("endpoint"), "endpoint")
        guard let endpoint = BatchEndpoint(rawValue: endpointPath) else {
            throw .invalidValue(param: "endpoint", got: endpointPath, supported: BatchEndpoint.allCases.map(\.rawValue))
        }
        let window = try body.require(body.string("completion_window"), "completion_window")
        var metadata: [String: String]?
        if let pairs = try body.object("metadata") {
            var strings: [String: String] = [:]
            for (key, value) in pairs.fields {
                strings[key] = try value.string(at: pairs.param(key))
            }
            metadata = strings
        }
        self.init(inputFileID: inputFileID, endpoint: endpoint, completionWindow: window, metadata: metadata)
        try validate()
    }

    public func validate() throws(APIError) {
        if inputFileID.isEmpty { throw .missingParameter("input_file_id") }
        if completionWindow != Self.supportedCompletionWindow {
            throw .invalidValue(param: "completion_window", got: completionWindow, supported: [Self.supportedCompletionWindow])
        }
        guard let metadata else { return }
        if metadata.count > Self.maxMetadataPairs {
            throw .invalidValue(param: "metadata",
                                "at most \(Self.maxMetadataPairs) key-value pairs are allowed, but got \(metadata.count).")
        }
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            if key.count > Self.maxMetadataKeyLength {
                throw .invalidValue(param: "metadata.\(key)",
                                    "keys are at most \(Self.maxMetadataKeyLength) characters, but this one has \(key.count).")
            }
            if value.count > Self.maxMetadataValueLength {
                throw .invalidValue(param: "metadata.\(key)",
                                    "values are at most \(Self.maxMetadataValueLength) characters, but this one has \(value.count).")
            }
        }
    }
}
