import Foundation

/// Splits a server-sent event stream into its events' `data:` payloads, as OpenAI-compatible
/// servers stream: `data: <json>` per event, each event ended by a blank line, `data: [DONE]`
/// last. Text may arrive cut anywhere; an event not yet ended waits for the next piece.
public struct ServerSentEventReader: Sendable {
    private var pending = ""

    public init() {}

    /// The payloads of the events that `text` completes, in order.
    public mutating func feed(_ text: String) -> [String] {
        pending += text
        var payloads: [String] = []
        while let end = pending.range(of: "\n\n") ?? pending.range(of: "\r\n\r\n") {
            let block = String(pending[..<end.lowerBound])
            pending.removeSubrange(..<end.upperBound)
            for line in block.split(whereSeparator: \.isNewline) where line.hasPrefix("data:") {
                payloads.append(line.dropFirst(5).trimmingCharacters(in: .whitespaces))
            }
        }
        return payloads
    }
}
