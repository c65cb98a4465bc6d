/// The start of a Hermes answer that may be one untagged call: `{"name": …, "arguments": {…}}`
/// as the whole answer, without the `<tool_call>` tags (Qwen2.5-Coder-0.5B answers so with
/// `tool_choice: "auto"`). A stream cannot send such text as content and take it back later, so
/// `ToolCallScanner` holds the answer back while it is whitespace, then one JSON object that is
/// a call of a declared tool (`BareToolCalls`), then whitespace; the first scalar that rules that
/// out hands everything held back to the ordinary Hermes reading.
struct UntaggedCallHold: Sendable {
    /// Everything held back, in order.
    private(set) var scalars: [Unicode.Scalar] = []
    /// The object, once it has begun.
    private var object: ToolCallScanner.ValueReader?
    /// The object closed and is a call.
    private var closed = false

    /// Holds `scalar` back; false when the answer can no longer be one untagged call.
    mutating func hold(_ scalar: Unicode.Scalar, toolNames: Set<String>) -> Bool {
        scalars.append(scalar)
        if closed { return ToolCallScanner.ValueReader.isSpace(scalar) }
        guard var reader = object else {
            if ToolCallScanner.ValueReader.isSpace(scalar) { return true }
            guard scalar == "{" else { return false }
            var reader = ToolCallScanner.ValueReader()
            _ = reader.read(scalar)
            object = reader
            return true
        }
        switch reader.read(scalar) {
        case .part, .space:
            object = reader
            return true
        case .end:
            closed = true
            return call(toolNames: toolNames) != nil
        case .endBefore, .invalid:
            return false
        }
    }

    /// The call the held text is, once its object has closed.
    func call(toolNames: Set<String>) -> ToolCallScanner.Call? {
        guard closed else { return nil }
        return BareToolCalls.read(String(String.UnicodeScalarView(scalars)), toolNames: toolNames, pythonTag: false,
                                  maxCalls: 1)?.first
    }
}
