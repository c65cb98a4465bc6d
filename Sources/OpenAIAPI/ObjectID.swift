/// Fresh object ids in OpenAI's formats: a type prefix and random letters and digits, so
/// that an id says what it names and cannot be guessed from another.
public enum ObjectID {
    public static func chatCompletion() -> String { make(prefix: "chatcmpl-") }
    public static func completion() -> String { make(prefix: "cmpl-") }
    public static func file() -> String { make(prefix: "file-") }
    public static func batch() -> String { make(prefix: "batch_") }

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")

    /// `prefix` and 24 random characters (about 143 bits).
    public static func make(prefix: String, length: Int = 24) -> String {
        var generator = SystemRandomNumberGenerator()
        var id = prefix
        for _ in 0..<length {
            id.append(alphabet.randomElement(using: &generator)!)
        }
        return id
    }
}
