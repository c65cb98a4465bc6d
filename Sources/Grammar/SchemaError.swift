/// Why a JSON schema cannot be compiled: a keyword or value this engine does not support, or
/// a schema that is malformed. `path` is a JSON pointer into the schema ("#/properties/age").
public struct SchemaError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// A keyword (or a value of one, such as a `format`) that this engine cannot enforce.
        case unsupported(keyword: String)
        case invalid
    }

    public var kind: Kind
    public var path: String
    public var message: String

    public var description: String {
        switch kind {
        case .unsupported(let keyword):
            "unsupported JSON Schema feature '\(keyword)' at \(path): \(message)"
        case .invalid:
            "invalid JSON Schema at \(path): \(message)"
        }
    }

    static func unsupported(_ keyword: String, at path: String, _ message: String) -> SchemaError {
        SchemaError(kind: .unsupported(keyword: keyword), path: path, message: message)
    }

    static func invalid(at path: String, _ message: String) -> SchemaError {
        SchemaError(kind: .invalid, path: path, message: message)
    }
}
