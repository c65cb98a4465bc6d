import OpenAIAPI

/// Tool calls written as bare JSON objects, with no tags around them, read off a whole answer:
/// Llama 3.x's (`ToolCallSyntax.llama3JSON`), and the untagged call a Hermes model sometimes
/// answers instead of a `<tool_call>` block (`UntaggedCallHold`).
///
/// An answer is calls as a whole or not at all: after JSON whitespace and, where allowed, a
/// `<|python_tag|>` (Llama writes it before calls it means to be run), one object, or several
/// separated by `;`, each `{"name": <a declared tool>, "parameters": {…}}`, and nothing but
/// whitespace after the last. `"arguments"` is read like `"parameters"` (the first of them an
/// object has counts), keys may come in any order, others are ignored. A name that is not a
/// declared tool makes the answer plain text: a model that talks about JSON is not calling.
enum BareToolCalls {
    static let pythonTag = Array("<|python_tag|>".unicodeScalars)

    /// The keys a call's arguments are read from.
    static let argumentKeys: Set<String> = ["parameters", "arguments"]

    /// The calls `text` is, in order, their arguments as compact JSON; nil when it is anything else.
    static func read(_ text: String, toolNames: Set<String>, pythonTag allowsTag: Bool,
                     maxCalls: Int = .max) -> [ToolCallScanner.Call]? {
        let scalars = Array(text.unicodeScalars)
        var index = skipSpace(scalars, from: 0)
        if allowsTag, scalars[index...].starts(with: pythonTag) {
            index = skipSpace(scalars, from: index + pythonTag.count)
        }
        var calls: [ToolCallScanner.Call] = []
        while calls.count < maxCalls, let end = objectEnd(scalars, from: index),
              let call = call(String(String.UnicodeScalarView(scalars[index..<end])), toolNames: toolNames) {
            calls.append(call)
            index = skipSpace(scalars, from: end)
            if index == scalars.count { return calls }
            guard scalars[index] == ";" else { return nil }
            index = skipSpace(scalars, from: index + 1)
        }
        return nil
    }

    /// The call one object's text is: a declared name, and an object of arguments.
    static func call(_ text: String, toolNames: Set<String>) -> ToolCallScanner.Call? {
        guard case .object(let object)? = try? JSONValue(parsing: text),
              case .string(let name)? = object["name"], toolNames.contains(name),
              let arguments = object.members.first(where: { argumentKeys.contains($0.key) })?.value,
              case .object = arguments
        else { return nil }
        return ToolCallScanner.Call(name: name, arguments: arguments.compactText)
    }

    /// Where the object that opens at `start` ends (one past its closing brace); nil when no
    /// object opens there or it does not close.
    private static func objectEnd(_ scalars: [Unicode.Scalar], from start: Int) -> Int? {
        guard start < scalars.count, scalars[start] == "{" else { return nil }
        var reader = ToolCallScanner.ValueReader()
        for index in start..<scalars.count {
            switch reader.read(scalars[index]) {
            case .part, .space: continue
            case .end: return index + 1
            case .endBefore, .invalid: return nil
            }
        }
        return nil
    }

    private static func skipSpace(_ scalars: [Unicode.Scalar], from start: Int) -> Int {
        var index = start
        while index < scalars.count, ToolCallScanner.ValueReader.isSpace(scalars[index]) { index += 1 }
        return index
    }
}
