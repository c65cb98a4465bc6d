import Foundation
import OpenAIAPI
import Testing
@testable import Grammar

@Suite struct GrammarMatcherTests {
    private func matcher(_ schema: String) throws -> GrammarMatcher {
        GrammarMatcher(grammar: try JSONSchemaCompiler.compile(schema: JSONValue(parsing: schema)))
    }

    private func accepts(_ m: GrammarMatcher, _ text: String) -> Bool { m.matches(Array(text.utf8)) }

    @Test func objectWithRequiredAndOptionalProperties() throws {
        let m = try matcher(SchemaCorpus.schemas.first { $0.name == "optional" }!.text)
        #expect(accepts(m, #"{"b":1}"#))
        #expect(accepts(m, #"{"a":"hi","b":-2.5e+3,"c":true}"#))
        #expect(accepts(m, #"{"b":0,"c":false}"#))
        #expect(!accepts(m, #"{"a":"hi"}"#), "b is required")
        #expect(!accepts(m, #"{"c":true,"b":1}"#), "properties come in schema order")
        #expect(!accepts(m, #"{"b":1,}"#))
        #expect(!accepts(m, #"{"b":01}"#), "no leading zeros")
        #expect(!accepts(m, #"{"a":"too long!!","b":1}"#), "maxLength 8")
        #expect(!accepts(m, #"{ "b":1}"#), "output is compact")
    }

    @Test func allOptionalObjectMayBeEmpty() throws {
        let m = try matcher(#"{"type":"object","properties":{"x":{"type":"integer"},"y":{"type":"integer"}}}"#)
        for text in ["{}", #"{"x":1}"#, #"{"y":2}"#, #"{"x":1,"y":2}"#] { #expect(accepts(m, text), "\(text)") }
        for text in [#"{,"y":2}"#, #"{"x":1.5}"#, #"{"x":1,}"#] { #expect(!accepts(m, text), "\(text)") }
    }

    @Test func arraysKeepTheirBounds() throws {
        let m = try matcher(#"{"type":"array","items":{"type":"integer"},"minItems":2,"maxItems":3}"#)
        #expect(!accepts(m, "[]"))
        #expect(!accepts(m, "[1]"))
        #expect(accepts(m, "[1,2]"))
        #expect(accepts(m, "[1,2,3]"))
        #expect(!accepts(m, "[1,2,3,4]"))
        let unbounded = try matcher(#"{"type":"array"}"#)
        #expect(accepts(unbounded, #"[]"#))
        #expect(accepts(unbounded, #"[1,"a",[],{"k":null},true]"#))
    }

    @Test func stringsCountCharactersAndCheckEscapesAndUTF8() throws {
        let m = try matcher(#"{"type":"string","minLength":2,"maxLength":3}"#)
        #expect(!accepts(m, #""a""#))
        #expect(accepts(m, #""ab""#))
        #expect(accepts(m, "\"éé\""), "two characters, four bytes")
        #expect(accepts(m, #""a\nb""#), "an escape is one character")
        #expect(accepts(m, #""\u00e9x""#))
        #expect(!accepts(m, #""\ud800x""#), "no surrogate escapes")
        #expect(!accepts(m, #""abcd""#))
        #expect(!accepts(m, "\"a\nb\""), "raw control characters are not allowed")
        #expect(!m.advance(m.initialState(), bytes: [0x22, 0xE9, 0x22]).isAccepting, "invalid UTF-8")
        #expect(!accepts(m, #""\x""#))
    }

    @Test func enumsConstsAndUnions() throws {
        let e = try matcher(SchemaCorpus.schemas.first { $0.name == "enum" }!.text)
        #expect(accepts(e, #"{"color":"red","size":"M"}"#))
        #expect(!accepts(e, #"{"color":"pink","size":"M"}"#))
        let n = try matcher(SchemaCorpus.schemas.first { $0.name == "nullable" }!.text)
        #expect(accepts(n, #"{"v":null,"w":3}"#))
        #expect(accepts(n, #"{"v":"abc","w":null}"#))
        #expect(!accepts(n, #"{"v":3,"w":null}"#))
        let u = try matcher(SchemaCorpus.schemas.first { $0.name == "anyOf objects" }!.text)
        #expect(accepts(u, #"{"cat":"tom"}"#))
        #expect(accepts(u, #"{"dog":7}"#))
        #expect(!accepts(u, #"{"cat":7}"#))
    }

    @Test func referencesAndRecursion() throws {
        let m = try matcher(SchemaCorpus.schemas.first { $0.name == "recursive" }!.text)
        #expect(accepts(m, #"{"value":1}"#))
        #expect(accepts(m, #"{"value":1,"children":[{"value":2,"children":[{"value":3}]},{"value":4}]}"#))
        #expect(!accepts(m, #"{"value":1,"children":[{"value":2},{"value":3},{"value":4}]}"#), "maxItems 2")
    }

    @Test func formats() throws {
        let m = try matcher(SchemaCorpus.schemas.first { $0.name == "formats" }!.text)
        #expect(accepts(m, #"{"day":"2024-05-17","at":"2024-05-17T08:30:00Z","id":"123e4567-e89b-12d3-a456-426614174000"}"#))
        #expect(!accepts(m, #"{"day":"2024-5-17","at":"2024-05-17T08:30:00Z","id":"123e4567-e89b-12d3-a456-426614174000"}"#))
        let e = try matcher(#"{"type":"string","format":"email"}"#)
        #expect(accepts(e, #""jo.doe@example.com""#))
        #expect(!accepts(e, #""jo@doe""#))
    }

    @Test func freeFormJSONObject() {
        let m = GrammarMatcher(grammar: JSONSchemaCompiler.anyObject())
        #expect(m.matches(Array(#"{}"#.utf8)))
        #expect(m.matches(Array(#"{"a":[1,2,{"b":"c"}],"d":-0.5,"e":null}"#.utf8)))
        #expect(!m.matches(Array(#"[1]"#.utf8)), "json_object means an object")
        #expect(!m.matches(Array(#"{"a":1"#.utf8)))
    }

    @Test func framedValuesHaveTheirLiteralTextAround() throws {
        let schema = try JSONValue(parsing: #"{"type":"object","properties":{"a":{"type":"integer"}},"required":["a"],"additionalProperties":false}"#)
        let frame = TextFrame(prefix: "<tool_call>\n", suffix: "\n</tool_call>", separator: "\n", count: 1...2)
        let m = GrammarMatcher(grammar: try JSONSchemaCompiler.compile(schema: schema, framedBy: frame))
        let one = "<tool_call>\n{\"a\":1}\n</tool_call>"
        #expect(accepts(m, one))
        #expect(accepts(m, one + "\n" + one))
        #expect(!accepts(m, ""), "at least one value")
        #expect(!accepts(m, one + "\n" + one + "\n" + one), "at most two")
        #expect(!accepts(m, one + one), "the separator goes between two")
        #expect(!accepts(m, "<tool_call>{\"a\":1}\n</tool_call>"))
        #expect(!accepts(m, "<tool_call>\n{\"a\":\"x\"}\n</tool_call>"), "the value follows the schema")
        // The masks of a framed grammar agree with the slow way too.
        let grammar = TokenGrammar(grammar: try JSONSchemaCompiler.compile(schema: schema, framedBy: frame),
                                   vocabulary: GrammarTestSupport.syntheticVocabulary)
        var cursor = GrammarCursor(grammar: grammar)
        for byte in (one + "\n" + one).utf8 {
            #expect(cursor.allowedTokens() == GrammarTestSupport.bruteForceMask(grammar, cursor.state))
            cursor.accept(Int32(byte))
        }
        #expect(cursor.state.isAccepting)
    }

    @Test func unsupportedKeywordsAreNamed() throws {
        let cases: [(String, String)] = [
            (#"{"type":"string","pattern":"^a+$"}"#, "pattern"),
            (#"{"type":"integer","minimum":0}"#, "minimum"),
            (#"{"oneOf":[{"type":"string"},{"type":"integer"}]}"#, "oneOf"),
            (#"{"type":"string","format":"hostname"}"#, "format"),
            (#"{"$ref":"https://example.com/schema.json"}"#, "$ref"),
            (#"{"type":"array","uniqueItems":true}"#, "uniqueItems"),
        ]
        for (schema, keyword) in cases {
            #expect(throws: SchemaError.self, "\(keyword)") { try JSONSchemaCompiler.compile(schema: JSONValue(parsing: schema)) }
            do {
                _ = try JSONSchemaCompiler.compile(schema: JSONValue(parsing: schema))
            } catch let error as SchemaError {
                #expect(error.kind == .unsupported(keyword: keyword), "\(error)")
                #expect(error.description.contains(keyword))
            }
        }
        #expect(throws: SchemaError.self) { try JSONSchemaCompiler.compile(schema: JSONValue(parsing: #"{"type":"strng"}"#)) }
        // Self-reference before any byte: refused, not a hang.
        for schema in [##"{"$ref":"#"}"##, ##"{"anyOf":[{"$ref":"#"},{"$ref":"#"}]}"##, ##"{"$defs":{"a":{"$ref":"#/$defs/b"},"b":{"allOf":[{"$ref":"#/$defs/a"}]}},"$ref":"#/$defs/a"}"##] {
            #expect(throws: SchemaError.self, "\(schema)") { try JSONSchemaCompiler.compile(schema: JSONValue(parsing: schema)) }
        }
        #expect(throws: SchemaError.self) {
            try JSONSchemaCompiler.compile(schema: JSONValue(parsing: #"{"type":"array","minItems":3,"maxItems":1}"#))
        }
    }

    @Test func everyCorpusSchemaCompiles() throws {
        #expect(SchemaCorpus.schemas.count >= 20)
        for (name, text) in SchemaCorpus.schemas {
            #expect(throws: Never.self, "\(name)") { try JSONSchemaCompiler.compile(schema: JSONValue(parsing: text)) }
        }
    }
}

@Suite struct SchemaCorpusCopyTests {
    /// Tests/e2e/schemas.json holds the same schemas for the end-to-end tests.
    @Test func corpusMatchesEndToEndCopy() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("e2e/schemas.json")
        let copy = try JSONValue(parsing: String(contentsOf: url, encoding: .utf8))
        guard case .array(let entries) = copy else { Issue.record("not an array"); return }
        #expect(entries.count == SchemaCorpus.schemas.count)
        for (entry, (name, text)) in zip(entries, SchemaCorpus.schemas) {
            guard case .object(let object) = entry else { continue }
            #expect(object["name"] == .string(name))
            #expect(object["schema"] == (try JSONValue(parsing: text)), "\(name)")
        }
    }
}

@Suite struct NestingBoundTests {
    /// Recursion is unrolled `maxRecursion` levels: deeper optional members are not offered,
    /// and what is offered can always be finished.
    @Test func recursionIsBoundedAndNeverDeadEnds() throws {
        let m = GrammarMatcher(grammar: try JSONSchemaCompiler.compile(schema: SchemaCorpus.schema("recursive")))
        #expect(m.matches(Array(#"{"value":1,"children":[{"value":2,"children":[{"value":3}]}]}"#.utf8)))
        #expect(!m.matches(Array(#"{"value":1,"children":[{"value":2,"children":[{"value":3,"children":[{"value":4}]}]}]}"#.utf8)))
        #expect(m.matches(Array(#"{"value":1,"children":[{"value":2,"children":[{"value":3,"children":[]}]}]}"#.utf8)),
                "an empty array of the cut-off level is still fine")
        let required = ##"{"$defs":{"L":{"type":"object","properties":{"next":{"$ref":"#/$defs/L"}},"required":["next"]}},"$ref":"#/$defs/L"}"##
        #expect(throws: SchemaError.self, "infinitely deep by requirement") { try JSONSchemaCompiler.compile(schema: JSONValue(parsing: required)) }
    }

    @Test func freeFormJSONNestsBoundedly() {
        let m = GrammarMatcher(grammar: JSONSchemaCompiler.anyObject())
        let deep = { (n: Int) in "{\"a\":" + String(repeating: "[", count: n) + String(repeating: "]", count: n) + "}" }
        #expect(m.matches(Array(deep(JSONSchemaCompiler.maxAnyDepth - 1).utf8)))
        #expect(!m.matches(Array(deep(JSONSchemaCompiler.maxAnyDepth + 1).utf8)))
        let items = { (n: Int) in "{\"a\":[" + Array(repeating: "1", count: n).joined(separator: ",") + "]}" }
        #expect(m.matches(Array(items(JSONSchemaCompiler.maxAnyItems).utf8)))
        #expect(!m.matches(Array(items(JSONSchemaCompiler.maxAnyItems + 1).utf8)))
        let long = "{\"a\":\"" + String(repeating: "x", count: JSONSchemaCompiler.maxAnyStringLength + 1) + "\"}"
        #expect(!m.matches(Array(long.utf8)))
    }
}
