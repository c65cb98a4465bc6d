import OpenAIAPI

/// Reads a tool-calling answer as it is generated, in pieces of any size, and says what each
/// piece adds: content text, the start of a call (its name), or a fragment of a call's
/// arguments, which is what a stream sends as it goes. The same reading of the whole answer
/// is the plain response's message (`answer`), so a stream and a plain response agree.
///
/// A call's arguments are its JSON value as the model wrote it, less the whitespace outside
/// strings (which means nothing in JSON): fragments are released as soon as they are read,
/// and concatenate to the final arguments text.
///
/// - `generic`: `{"tool_calls":[{"name":"…","arguments":…},…]}` or `{"content":"…"}`. The
///   content string is unescaped as it comes (only an unfinished escape is held back). Text
///   that is not of this form (the grammar makes that impossible unless the output limit cuts
///   it) is content as it is, in a plain response; in a stream, only when nothing was sent yet.
/// - `hermes`: text with `<tool_call>…</tool_call>` blocks of `{"name": "…", "arguments": …}`.
///   Text outside the blocks is content, trimmed (leading whitespace is dropped and trailing
///   whitespace held back until more text follows); text that might begin `<tool_call>` is
///   held back until it is decided. A block's call is released once its name and
///   `"arguments":` are read; a block that does not begin that way is held until it closes,
///   then becomes a call if it is a JSON object with a name and arguments (in another key
///   order, say), or else content, as it is. A released call whose arguments then turn out not
///   to be JSON (or whose block the output limit cuts) cannot be taken back from a stream; the
///   plain response has its block as content instead. An answer that is nothing but one
///   untagged call of a declared tool is that call (`UntaggedCallHold`): an answer whose first
///   scalar besides whitespace is `{` is held back until that is decided.
/// - `llama3JSON`: calls as bare JSON objects, the whole answer or nothing (`BareToolCalls`).
///   Whitespace and `<|python_tag|>` at the start are held back; anything else there makes the
///   answer content, released as it comes. A call is released once `{"name": <a declared
///   tool>, "parameters": {` (or `"arguments"`) is read, then its arguments as they come, and
///   the next after `;`. Text of any other shape is held back, and the answer decided at its
///   end: calls not released yet are released then, or, when nothing was sent, the whole
///   answer is content. A stream cannot take back a call it released when what follows turns
///   the answer into content; the plain response has that content.
struct ToolCallScanner: Sendable {
    enum Event: Sendable, Equatable {
        case content(String)
        case callStarted(index: Int, name: String)
        case arguments(index: Int, String)
    }

    /// A call as read: its function's name and its arguments as JSON text.
    struct Call: Sendable, Equatable {
        var name: String
        var arguments: String
    }

    let syntax: ToolCallSyntax
    /// The declared tools' names: a bare call (Llama 3.x's, Hermes's untagged one) names one of them.
    let toolNames: Set<String>
    private var state: State
    /// Everything read so far.
    private var raw = ""
    private var calls: [CallRecord] = []
    /// Events of the piece being read.
    private var events: [Event] = []
    /// Generic: the content string's value, once it has begun.
    private var genericContent: String?
    /// Hermes: the answer in order, text and calls.
    private var parts: [Part] = []
    /// Hermes: text outside blocks not released yet (it may begin a tag).
    private var pendingText: [Unicode.Scalar] = []
    /// Hermes: the open block's text, tags included.
    private var block: [Unicode.Scalar] = []
    /// Hermes: whether content with something besides whitespace has been released, and the
    /// whitespace after the last of it.
    private var contentStarted = false
    private var heldWhitespace = ""
    /// Hermes: the answer while it may still be one untagged call; nil once it cannot be.
    private var untagged: UntaggedCallHold?
    /// Llama 3.x: the whole answer's calls, once its end has shown it is calls.
    private var bareCalls: [Call]?

    private static let openTag = Array("<tool_call>".unicodeScalars)
    private static let closeTag = Array("</tool_call>".unicodeScalars)

    init(syntax: ToolCallSyntax, toolNames: Set<String>) {
        self.syntax = syntax
        self.toolNames = toolNames
        switch syntax {
        case .generic: state = .expecting(Pattern(.literal("{"), .string, .literal(":")), then: .genericKey)
        case .hermes: state = .text
        case .llama3JSON: state = .bareLead(tagRead: 0)
        }
        if syntax == .hermes { untagged = UntaggedCallHold() }
    }

    /// What `text`, the answer's next piece, adds.
    mutating func scan(_ text: String) -> [Event] {
        for scalar in text.unicodeScalars {
            if untagged != nil { holdUntagged(scalar) } else { feed(scalar) }
        }
        if state.isText { releaseText(final: false) }
        return takeEvents()
    }

    private mutating func feed(_ scalar: Unicode.Scalar) {
        raw.unicodeScalars.append(scalar)
        if syntax == .hermes, !state.isText { block.append(scalar) }
        read(scalar)
    }

    /// What the end of the answer adds: text held back in case it began a tag or a call, a
    /// block that never closed, or (Llama 3.x) the calls or content the whole answer is.
    mutating func finish() -> [Event] {
        if let hold = untagged {
            untagged = nil
            if let call = hold.call(toolNames: toolNames) {
                releaseCall(call)
                return takeEvents()
            }
            for scalar in hold.scalars { feed(scalar) }
        }
        switch state {
        case .text:
            releaseText(final: true)
        case .expecting(_, then: .callHead) where syntax == .hermes, .rawBlock:
            closeUnreadBlock()
        case .arguments(let reader):
            // A number or literal at the top ends where the text does.
            if reader.completesAtEnd, !calls.isEmpty { calls[calls.count - 1].complete = true }
        default:
            break
        }
        if syntax == .hermes, !state.isText, !calls.isEmpty, calls[calls.count - 1].block.isEmpty {
            calls[calls.count - 1].block = String(String.UnicodeScalarView(block))
        }
        if syntax == .llama3JSON { decideBareAnswer() }
        return takeEvents()
    }

    /// Whether the answer made calls and every one of them was read to the end of its
    /// arguments (Llama 3.x: whether the whole answer is calls): a stream's finish reason is
    /// then `tool_calls`.
    var madeCalls: Bool {
        if syntax == .llama3JSON { return bareCalls != nil }
        return !calls.isEmpty && calls.allSatisfy(\.complete)
    }

    /// The whole answer's reading (after `finish`): its content (nil when it has none) and its
    /// calls (nil when it made none).
    var answer: (content: String?, calls: [Call]?) {
        switch syntax {
        case .generic:
            guard case .genericDone = state else { return (raw, nil) }
            if let genericContent { return (genericContent, nil) }
            guard !calls.isEmpty, calls.allSatisfy(\.isValid) else { return (raw, nil) }
            return (nil, calls.map(\.call))
        case .hermes:
            var content = ""
            var found: [Call] = []
            for part in parts {
                switch part {
                case .text(let text): content += text
                case .call(let index):
                    if calls[index].isValid { found.append(calls[index].call) } else { content += calls[index].block }
                }
            }
            let trimmed = Self.trimmed(content)
            return (trimmed.isEmpty ? nil : trimmed, found.isEmpty ? nil : found)
        case .llama3JSON:
            if let bareCalls { return (nil, bareCalls) }
            return (raw.isEmpty ? nil : raw, nil)
        }
    }

    // MARK: - Reading

    private mutating func read(_ scalar: Unicode.Scalar) {
        switch state {
        case .text:
            pendingText.append(scalar)
            if pendingText.count >= Self.openTag.count, Array(pendingText.suffix(Self.openTag.count)) == Self.openTag {
                pendingText.removeLast(Self.openTag.count)
                releaseText(final: true)
                block = Self.openTag
                state = .expecting(Self.callHead, then: .callHead)
            }
        case .expecting(var pattern, let next):
            switch pattern.read(scalar) {
            case .more: state = .expecting(pattern, then: next)
            case .matched: matched(pattern, next)
            case .mismatch: mismatched(next)
            }
        case .arguments(var reader):
            let step = reader.read(scalar)
            state = .arguments(reader)
            switch step {
            case .part:
                addArguments(String(scalar))
            case .space:
                break
            case .end:
                addArguments(String(scalar))
                endArguments()
            case .endBefore:
                endArguments()
                read(scalar)
            case .invalid:
                switch syntax {
                case .generic: becomeUnreadable()
                case .hermes:
                    state = .skipBlock
                    closeBlockIfEnded()
                case .llama3JSON: state = .bareHeld
                }
            }
        case .genericContent(var unescaper):
            guard let (text, ended) = unescaper.read(scalar) else { return becomeUnreadable() }
            if !text.isEmpty {
                genericContent? += text
                emit(.content(text))
            }
            state = ended ? .expecting(Pattern(.literal("}")), then: .contentClosed) : .genericContent(unescaper)
        case .genericNextCall:
            switch scalar {
            case " ", "\t", "\n", "\r": break
            case ",": state = .expecting(Self.callHead, then: .callHead)
            case "]": state = .expecting(Pattern(.literal("}")), then: .callsClosed)
            default: becomeUnreadable()
            }
        case .allContent:
            emit(.content(String(scalar)))
        case .bareLead(let tagRead):
            readLead(scalar, tagRead: tagRead)
        case .bareAfterCall:
            switch scalar {
            case " ", "\t", "\n", "\r": break
            case ";": state = .expecting(Self.bareCallHead, then: .bareCallHead)
            default: state = .bareHeld
            }
        case .bareHeld:
            break
        case .rawBlock:
            closeRawBlockIfEnded()
        case .skipBlock:
            closeBlockIfEnded()
        case .genericDone, .genericIgnoring:
            break
        }
    }

    private mutating func matched(_ pattern: Pattern, _ next: Next) {
        switch next {
        case .genericKey:
            switch pattern.strings.first {
            case "tool_calls"?: state = .expecting(Pattern(.literal("[")), then: .callsOpened)
            case "content"?: state = .expecting(Pattern(.literal("\"")), then: .contentOpened)
            default: becomeUnreadable()
            }
        case .callsOpened:
            state = .expecting(Self.callHead, then: .callHead)
        case .contentOpened:
            genericContent = ""
            state = .genericContent(StringUnescaper())
        case .contentClosed, .callsClosed:
            state = .genericDone
        case .callHead:
            startCall(pattern.strings.first ?? "")
            state = .arguments(ValueReader())
        case .callClosed:
            state = .genericNextCall
        case .blockClosed:
            endBlock()
        case .bareCallHead:
            let (name, key) = (pattern.strings[0], pattern.strings[1])
            guard toolNames.contains(name), BareToolCalls.argumentKeys.contains(key) else {
                state = .bareHeld
                return
            }
            // The head ends with the arguments' opening brace.
            startCall(name)
            var reader = ValueReader()
            _ = reader.read("{")
            addArguments("{")
            state = .arguments(reader)
        case .bareCallClosed:
            state = .bareAfterCall
        }
    }

    private mutating func mismatched(_ next: Next) {
        switch (syntax, next) {
        case (.hermes, .callHead):
            state = .rawBlock
            closeRawBlockIfEnded()
        case (.hermes, _):
            state = .skipBlock
            closeBlockIfEnded()
        case (.generic, _):
            becomeUnreadable()
        case (.llama3JSON, _):
            state = .bareHeld
        }
    }

    /// Generic: the text is not an answer of the expected form. If nothing was sent yet, all
    /// of it is content, as the plain response has it; otherwise the rest is left out.
    private mutating func becomeUnreadable() {
        if calls.isEmpty && genericContent == nil {
            becomeContent()
        } else {
            state = .genericIgnoring
        }
    }

    /// All of the answer so far is content, and so is the rest.
    private mutating func becomeContent() {
        state = .allContent
        emit(.content(raw))
    }

    // MARK: - Calls

    /// `{"name": "…", "arguments":`, whitespace allowed between tokens.
    private static let callHead = Pattern(.literal("{"), .literal("\"name\""), .literal(":"), .string, .literal(","),
                                          .literal("\"arguments\""), .literal(":"))

    /// Llama 3.x: `{"name": "…", "parameters": {` (or `"arguments"`), whitespace allowed
    /// between tokens; whether the name is declared and the key one of these is checked after.
    private static let bareCallHead = Pattern(.literal("{"), .literal("\"name\""), .literal(":"), .string, .literal(","),
                                              .string, .literal(":"), .literal("{"))

    private mutating func startCall(_ name: String) {
        calls.append(CallRecord(name: name))
        if syntax == .hermes { parts.append(.call(calls.count - 1)) }
        emit(.callStarted(index: calls.count - 1, name: name))
    }

    private mutating func addArguments(_ text: String) {
        calls[calls.count - 1].arguments += text
        emit(.arguments(index: calls.count - 1, text))
    }

    private mutating func endArguments() {
        calls[calls.count - 1].complete = true
        switch syntax {
        case .generic: state = .expecting(Pattern(.literal("}")), then: .callClosed)
        case .hermes: state = .expecting(Pattern(.literal("}"), .literal("</tool_call>")), then: .blockClosed)
        case .llama3JSON: state = .expecting(Pattern(.literal("}")), then: .bareCallClosed)
        }
    }

    /// A call read whole: released at once, its arguments in one piece.
    private mutating func releaseCall(_ call: Call) {
        startCall(call.name)
        addArguments(call.arguments)
        calls[calls.count - 1].complete = true
    }

    // MARK: - Bare calls

    /// Llama 3.x, before the first `{`: whitespace and one `<|python_tag|>` are held back;
    /// anything else makes the answer content.
    private mutating func readLead(_ scalar: Unicode.Scalar, tagRead: Int) {
        let tag = BareToolCalls.pythonTag
        if tagRead > 0, tagRead < tag.count {
            if scalar == tag[tagRead] { state = .bareLead(tagRead: tagRead + 1) } else { becomeContent() }
        } else if ValueReader.isSpace(scalar) {
            return
        } else if scalar == "{" {
            state = .expecting(Self.bareCallHead, then: .bareCallHead)
            read(scalar)
        } else if tagRead == 0, scalar == tag[0] {
            state = .bareLead(tagRead: 1)
        } else {
            becomeContent()
        }
    }

    /// Llama 3.x, at the end: the whole answer is read again (`BareToolCalls`). If it is calls,
    /// those not released yet are released now; if not, it is content, sent now unless a call
    /// was (text after a released call is then left out of the stream).
    private mutating func decideBareAnswer() {
        if case .allContent = state { return }
        if let found = BareToolCalls.read(raw, toolNames: toolNames, pythonTag: true),
           found.count >= calls.count, calls.allSatisfy(\.complete) {
            for call in found.dropFirst(calls.count) { releaseCall(call) }
            bareCalls = calls.map(\.call)
        } else if calls.isEmpty, !raw.isEmpty {
            emit(.content(raw))
        }
    }

    /// Hermes: an answer that may be one untagged call is held back; once it cannot be, what
    /// was held is read as any answer is.
    private mutating func holdUntagged(_ scalar: Unicode.Scalar) {
        guard var hold = untagged else { return feed(scalar) }
        if hold.hold(scalar, toolNames: toolNames) {
            untagged = hold
            return
        }
        untagged = nil
        for held in hold.scalars { feed(held) }
    }

    // MARK: - Hermes blocks and text

    /// The open block is done with: its text stays with its call.
    private mutating func endBlock() {
        if !calls.isEmpty, calls[calls.count - 1].block.isEmpty {
            calls[calls.count - 1].block = String(String.UnicodeScalarView(block))
        }
        block = []
        state = .text
    }

    /// The open block, its opening tag included, ends with the closing tag.
    private var blockHasClosed: Bool {
        block.count >= Self.openTag.count + Self.closeTag.count && Array(block.suffix(Self.closeTag.count)) == Self.closeTag
    }

    private mutating func closeBlockIfEnded() {
        if blockHasClosed { endBlock() }
    }

    /// A block that did not begin as a call: once it closes, a call if it is one, else content.
    private mutating func closeRawBlockIfEnded() {
        guard blockHasClosed else { return }
        readWholeBlock(Array(block.dropFirst(Self.openTag.count).dropLast(Self.closeTag.count)))
        block = []
        state = .text
    }

    /// At the end of the answer, a block still open that never began as a call.
    private mutating func closeUnreadBlock() {
        readWholeBlock(Array(block.dropFirst(Self.openTag.count)))
        block = []
        state = .text
    }

    private mutating func readWholeBlock(_ inner: [Unicode.Scalar]) {
        let text = String(String.UnicodeScalarView(block))
        guard case .object(let object)? = try? JSONValue(parsing: String(String.UnicodeScalarView(inner))),
              case .string(let name)? = object["name"], let arguments = object["arguments"]
        else {
            return addContent(text)
        }
        releaseCall(Call(name: name, arguments: arguments.compactText))
        calls[calls.count - 1].block = text
    }

    /// Releases the text outside blocks, but for an end that may begin `<tool_call>` unless `final`.
    private mutating func releaseText(final: Bool) {
        var count = pendingText.count
        if !final {
            for length in stride(from: min(pendingText.count, Self.openTag.count - 1), through: 1, by: -1)
            where Array(pendingText.suffix(length)) == Array(Self.openTag.prefix(length)) {
                count -= length
                break
            }
        }
        guard count > 0 else { return }
        addContent(String(String.UnicodeScalarView(pendingText[..<count])))
        pendingText.removeFirst(count)
    }

    /// Hermes content: kept in order for the plain response, released trimmed to a stream.
    private mutating func addContent(_ text: String) {
        if case .text(let before)? = parts.last {
            parts[parts.count - 1] = .text(before + text)
        } else {
            parts.append(.text(text))
        }
        var scalars = Substring(text).unicodeScalars[...]
        if !contentStarted {
            scalars = scalars.drop(while: Self.isWhitespace)
            guard !scalars.isEmpty else { return }
            contentStarted = true
        }
        var body = scalars
        while let last = body.last, Self.isWhitespace(last) { body.removeLast() }
        let trailing = String(scalars[body.endIndex...])
        if body.isEmpty {
            heldWhitespace += trailing
        } else {
            emit(.content(heldWhitespace + String(body)))
            heldWhitespace = trailing
        }
    }

    private static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool { scalar.properties.isWhitespace }

    private static func trimmed(_ text: String) -> String {
        var scalars = Substring(text).unicodeScalars[...].drop(while: isWhitespace)
        while let last = scalars.last, isWhitespace(last) { scalars.removeLast() }
        return String(scalars)
    }

    // MARK: - Events

    private mutating func emit(_ event: Event) {
        switch (events.last, event) {
        case (.content(let before)?, .content(let text)):
            events[events.count - 1] = .content(before + text)
        case (.arguments(let index, let before)?, .arguments(let other, let text)) where index == other:
            events[events.count - 1] = .arguments(index: index, before + text)
        default:
            events.append(event)
        }
    }

    private mutating func takeEvents() -> [Event] {
        defer { events = [] }
        return events
    }
}

// MARK: - Parts

extension ToolCallScanner {
    private struct CallRecord: Sendable {
        var name: String
        var arguments = ""
        /// Its arguments were read to their end.
        var complete = false
        /// Hermes: its block's text, tags included (the plain response's content if the call is not valid).
        var block = ""

        var isValid: Bool { complete && (try? JSONValue(parsing: arguments)) != nil }
        var call: Call { Call(name: name, arguments: arguments) }
    }

    private enum Part: Sendable {
        case text(String)
        case call(Int)
    }

    private enum State: Sendable {
        /// Reading fixed tokens; what comes after them.
        case expecting(Pattern, then: Next)
        case arguments(ValueReader)
        case genericContent(StringUnescaper)
        /// After a call's closing brace: `,` and another call, or `]`.
        case genericNextCall
        case genericDone
        /// Not an answer of the form expected (generic, Llama 3.x): every scalar is content.
        case allContent
        /// Not of the generic form after part of it was sent: the rest is left out.
        case genericIgnoring
        /// Hermes, outside blocks.
        case text
        /// Hermes: a block that did not begin as a call, until it closes.
        case rawBlock
        /// Hermes: the rest of a call's block, until it closes.
        case skipBlock
        /// Llama 3.x, before the first call: whitespace and how much of `<|python_tag|>` was read.
        case bareLead(tagRead: Int)
        /// Llama 3.x, after a call's closing brace: whitespace, `;` and the next call, or the end.
        case bareAfterCall
        /// Llama 3.x: not of the shape read as it comes; decided at the end.
        case bareHeld

        var isText: Bool { if case .text = self { true } else { false } }
    }

    private enum Next: Sendable {
        case genericKey, callsOpened, contentOpened, contentClosed, callsClosed, callHead, callClosed, blockClosed
        case bareCallHead, bareCallClosed
    }

    /// A fixed run of JSON tokens, whitespace allowed before each: literals, and strings whose
    /// values are kept.
    private struct Pattern: Sendable {
        enum Piece: Sendable {
            case literal(String)
            case string
        }

        enum Step { case more, matched, mismatch }

        let pieces: [Piece]
        private var index = 0
        private var partial: [Unicode.Scalar] = []
        private var escaped = false
        private(set) var strings: [String] = []
        /// Longer strings (a runaway name) are not what is expected.
        static let maxStringLength = 256

        init(_ pieces: Piece...) { self.pieces = pieces }

        mutating func read(_ scalar: Unicode.Scalar) -> Step {
            if partial.isEmpty, ValueReader.isSpace(scalar) { return .more }
            partial.append(scalar)
            switch pieces[index] {
            case .literal(let text):
                let expected = Array(text.unicodeScalars)
                guard expected[partial.count - 1] == scalar else { return .mismatch }
                guard partial.count == expected.count else { return .more }
            case .string:
                if partial.count == 1 { return scalar == "\"" ? .more : .mismatch }
                if partial.count > Self.maxStringLength { return .mismatch }
                if escaped {
                    escaped = false
                    return .more
                }
                if scalar == "\\" { escaped = true }
                guard scalar == "\"" else { return .more }
                guard case .string(let value)? = try? JSONValue(parsing: String(String.UnicodeScalarView(partial))) else {
                    return .mismatch
                }
                strings.append(value)
            }
            index += 1
            partial = []
            return index == pieces.count ? .matched : .more
        }
    }

    /// Follows one JSON value far enough to know where it ends (whether it is valid JSON is
    /// decided when the whole is parsed).
    struct ValueReader: Sendable {
        enum Step {
            /// Part of the value.
            case part
            /// Whitespace outside strings: not part of it.
            case space
            /// The value's last scalar.
            case end
            /// The value ended just before this scalar, which is not part of it.
            case endBefore
            case invalid
        }

        private var depth = 0
        private var inString = false
        private var escaped = false
        /// A number or a literal at the top.
        private var bare = false

        mutating func read(_ scalar: Unicode.Scalar) -> Step {
            if inString {
                if escaped {
                    escaped = false
                } else if scalar == "\\" {
                    escaped = true
                } else if scalar == "\"" {
                    inString = false
                    if depth == 0 { return .end }
                }
                return .part
            }
            if bare { return Self.isBare(scalar) ? .part : .endBefore }
            switch scalar {
            case _ where Self.isSpace(scalar): return .space
            case "\"":
                inString = true
                return .part
            case "{", "[":
                depth += 1
                return .part
            case "}", "]":
                guard depth > 0 else { return .invalid }
                depth -= 1
                return depth == 0 ? .end : .part
            case ",", ":":
                return depth > 0 ? .part : .invalid
            default:
                guard Self.isBare(scalar) else { return .invalid }
                if depth == 0 { bare = true }
                return .part
            }
        }

        /// Whether the value is complete if the text ends here.
        var completesAtEnd: Bool { bare }

        static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
            scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r"
        }

        private static func isBare(_ scalar: Unicode.Scalar) -> Bool {
            ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                || scalar == "-" || scalar == "+" || scalar == "."
        }
    }

    /// Turns the body of a JSON string into its text as it comes; only an escape that is not
    /// complete yet (or a high surrogate waiting for its pair) is held back.
    private struct StringUnescaper: Sendable {
        private var escape: [Unicode.Scalar]?
        private var highSurrogate: UInt32?

        /// The text this scalar releases and whether it closed the string; nil if it cannot be
        /// part of a JSON string.
        mutating func read(_ scalar: Unicode.Scalar) -> (text: String, ended: Bool)? {
            guard var escape else {
                switch scalar {
                case "\\":
                    escape = []
                    return ("", false)
                case "\"": return (takeHigh(), true)
                default: return (takeHigh() + String(scalar), false)
                }
            }
            escape.append(scalar)
            if escape[0] == "u" {
                guard escape.count == 5 else {
                    self.escape = escape
                    return ("", false)
                }
                self.escape = nil
                guard let code = UInt32(String(String.UnicodeScalarView(escape.dropFirst())), radix: 16) else { return nil }
                return (unicode(code), false)
            }
            self.escape = nil
            let text: String
            switch scalar {
            case "n": text = "\n"
            case "t": text = "\t"
            case "r": text = "\r"
            case "b": text = "\u{08}"
            case "f": text = "\u{0C}"
            case "/", "\\", "\"": text = String(scalar)
            default: return nil
            }
            return (takeHigh() + text, false)
        }

        private mutating func unicode(_ code: UInt32) -> String {
            switch code {
            case 0xD800...0xDBFF:
                let before = takeHigh()
                highSurrogate = code
                return before
            case 0xDC00...0xDFFF:
                guard let high = highSurrogate else { return "\u{FFFD}" }
                highSurrogate = nil
                return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (code - 0xDC00)).map { String($0) } ?? "\u{FFFD}"
            default:
                return takeHigh() + (Unicode.Scalar(code).map { String($0) } ?? "\u{FFFD}")
            }
        }

        /// A high surrogate with no low one after it stands for nothing: U+FFFD.
        private mutating func takeHigh() -> String {
            guard highSurrogate != nil else { return "" }
            highSurrogate = nil
            return "\u{FFFD}"
        }
    }
}
