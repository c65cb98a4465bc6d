/// The ids the store hands out.
///
/// Files and batches get random ids (`file-…`, `batch_…`, as OpenAI spells them) so they can't
/// be guessed from one another. The ids inside a batch's output (`batch_req_…`, `req_…`) are
/// derived from the batch id and line index instead: finalizing a batch twice, or after a
/// crash, writes byte-for-byte the same file.
enum JobIdentifiers {
    private static let alphanumerics = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")

    static func newFileID() -> String { "file-" + randomAlphanumerics(count: 24) }

    static func newBatchID() -> String { "batch_" + randomAlphanumerics(count: 24) }

    /// The `id` of a line in a batch's output or error file.
    static func batchRequestID(batchID: String, lineIndex: Int) -> String {
        "batch_req_" + digest(of: "\(batchID)/\(lineIndex)/batch_req")
    }

    /// The `response.request_id` of a line in a batch's output or error file.
    static func requestID(batchID: String, lineIndex: Int) -> String {
        "req_" + digest(of: "\(batchID)/\(lineIndex)/request")
    }

    static func randomAlphanumerics(count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in alphanumerics.randomElement(using: &generator)! })
    }

    /// 32 hex digits: FNV-1a 64 over the text, twice with different offsets. Not a secret,
    /// only a stable, well-spread name for (batch, line).
    private static func digest(of text: String) -> String {
        let bytes = Array(text.utf8)
        let first = fnv1a(bytes, offset: 0xcbf2_9ce4_8422_2325)
        let second = fnv1a(bytes, offset: 0x6c62_272e_07bb_0142)
        return hex(first) + hex(second)
    }

    private static func fnv1a(_ bytes: [UInt8], offset: UInt64) -> UInt64 {
        var hash = offset
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
