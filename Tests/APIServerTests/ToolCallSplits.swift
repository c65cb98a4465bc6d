import Testing
@testable import APIServer

/// Feeds an answer to `ToolCallScanner` in pieces, as a stream does, and checks that every way
/// of splitting it gives the same stream and the same answer.
enum ToolCallSplits {
    /// The tools the scanner tests declare.
    static let toolNames: Set<String> = ["get_weather", "now", "f"]

    /// What a client accumulates from a stream's events, checked for order on the way.
    struct Streamed: Equatable {
        var content = ""
        var calls: [ToolCallScanner.Call] = []
    }

    typealias Answer = (content: String?, calls: [ToolCallScanner.Call]?)

    static func stream(_ pieces: [String], _ syntax: ToolCallSyntax, toolNames: Set<String> = toolNames)
        -> (streamed: Streamed, scanner: ToolCallScanner)
    {
        var scanner = ToolCallScanner(syntax: syntax, toolNames: toolNames)
        var streamed = Streamed()
        var events: [ToolCallScanner.Event] = []
        for piece in pieces { events += scanner.scan(piece) }
        events += scanner.finish()
        for event in events {
            switch event {
            case .content(let text):
                #expect(!text.isEmpty)
                streamed.content += text
            case .callStarted(let index, let name):
                #expect(index == streamed.calls.count, "calls start in order")
                streamed.calls.append(.init(name: name, arguments: ""))
            case .arguments(let index, let fragment):
                #expect(index == streamed.calls.count - 1, "arguments go to the call that started last")
                if index >= 0, index < streamed.calls.count { streamed.calls[index].arguments += fragment }
            }
        }
        return (streamed, scanner)
    }

    /// The answer in one piece, in two at every split, and one Unicode scalar at a time (the
    /// finest any tokenizer splits text): the same stream and the same answer every time.
    static func everySplit(_ text: String, _ syntax: ToolCallSyntax, toolNames: Set<String> = toolNames,
                           sourceLocation: SourceLocation = #_sourceLocation) -> (streamed: Streamed, answer: Answer) {
        let whole = stream([text], syntax, toolNames: toolNames)
        let scalars = Array(text.unicodeScalars)
        var splits: [[String]] = [scalars.map { String($0) }]
        for i in 1..<max(1, scalars.count) {
            splits.append([String(String.UnicodeScalarView(scalars[..<i])), String(String.UnicodeScalarView(scalars[i...]))])
        }
        for pieces in splits {
            let split = stream(pieces, syntax, toolNames: toolNames)
            #expect(split.streamed == whole.streamed, "split \(pieces.map(\.debugDescription))", sourceLocation: sourceLocation)
            #expect(split.scanner.answer.content == whole.scanner.answer.content, sourceLocation: sourceLocation)
            #expect(split.scanner.answer.calls == whole.scanner.answer.calls, sourceLocation: sourceLocation)
            #expect(split.scanner.madeCalls == whole.scanner.madeCalls, sourceLocation: sourceLocation)
        }
        return (whole.streamed, whole.scanner.answer)
    }

    /// The events of each piece in turn, then of the end (the last element).
    static func eventsByPiece(_ pieces: [String], _ syntax: ToolCallSyntax, toolNames: Set<String> = toolNames)
        -> [[ToolCallScanner.Event]]
    {
        var scanner = ToolCallScanner(syntax: syntax, toolNames: toolNames)
        return pieces.map { scanner.scan($0) } + [scanner.finish()]
    }
}
