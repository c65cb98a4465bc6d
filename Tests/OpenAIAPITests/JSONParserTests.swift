import Foundation
import Testing
@testable import OpenAIAPI

@Suite("JSONParser")
struct JSONParserTests {
    private func parse(_ text: String) throws(JSONParser.Failure) -> JSONValue {
        try JSONParser.parse(Array(text.utf8))
    }

    private func failure(_ text: String) -> JSONParser.Failure? {
        do {
            let value = try parse(text)
            Issue.record("\(text) parsed as \(value)")
            return nil
        } catch {
            return error
        }
    }

    @Test("literals, numbers and strings")
    func scalars() throws {
        #expect(try parse("true") == .bool(true))
        #expect(try parse(" false ") == .bool(false))
        #expect(try parse("null") == .null)
        #expect(try parse("0") == .integer(0))
        #expect(try parse("-0") == .integer(0))
        #expect(try parse("42") == .integer(42))
        #expect(try parse("-17") == .integer(-17))
        #expect(try parse("9223372036854775807") == .integer(Int.max))
        #expect(try parse("-9223372036854775808") == .integer(Int.min))
        #expect(try parse("9223372036854775808") == .number(9223372036854775808))
        #expect(try parse("1.5") == .number(1.5))
        #expect(try parse("1.0") == .number(1))
        #expect(try parse("-2.5e-3") == .number(-0.0025))
        #expect(try parse("1E2") == .number(100))
        #expect(try parse("1e+2") == .number(100))
        #expect(try parse(#""plain""#) == .string("plain"))
        #expect(try parse(#""""#) == .string(""))
    }

    @Test("escapes, surrogate pairs and raw UTF-8")
    func escapes() throws {
        #expect(try parse(#""a\"b\\c\/d\be\ff\ng\rh\ti""#) == .string("a\"b\\c/d\u{8}e\u{C}f\ng\rh\ti"))
        #expect(try parse(#""\u00e9\u00E9""#) == .string("éé"))
        #expect(try parse(#""\ud83d\ude00!""#) == .string("😀!"))
        #expect(try parse(#""\u0000""#) == .string("\u{0}"))
        #expect(try parse("\"café 日本 😀\"") == .string("café 日本 😀"))
    }

    @Test("objects and arrays, nested and empty")
    func containers() throws {
        #expect(try parse(#"{"a": [1, {"b": null}, []], "c": {}}"#)
                    == .object(["a": .array([.integer(1), .object(["b": .null]), .array([])]), "c": .object([:])]))
        #expect(try parse(" [ ] ") == .array([]))
        #expect(try parse("{\n\t\"k\" :\r\n1 }") == .object(["k": .integer(1)]))
    }

    @Test("objects keep their key order; equality ignores it")
    func keyOrder() throws {
        let value = try JSONValue(parsing: #"{"z": 1, "a": [true, null, 2.5, "x\n\u00e9"], "m": {}}"#)
        guard case .object(let object) = value else { Issue.record("not an object"); return }
        #expect(object.keys == ["z", "a", "m"])
        #expect(object.members.map(\.key) == ["z", "a", "m"])
        #expect(object["a"] == .array([.bool(true), .null, .number(2.5), .string("x\né")]))
        #expect(value == .object(["m": .object([:]), "a": object["a"]!, "z": .integer(1)]))
        #expect(throws: JSONParser.Failure.self) { try JSONValue(parsing: "{\"a\": }") }
    }

    @Test("malformed input says what and where", arguments: [
        ("", "unexpected end of the body", 1, 1),
        ("{", "expected a string key, found end of the body", 1, 2),
        (#"{"a" 1}"#, "expected ':' after key 'a', found character '1'", 1, 6),
        (#"{"a": 1,}"#, "trailing comma before '}'", 1, 9),
        ("[1, 2,]", "trailing comma before ']'", 1, 7),
        ("[1 2]", "expected ',' or ']' in an array, found character '2'", 1, 4),
        (#"{"a": 1 "b": 2}"#, "expected ',' or '}' in an object, found character '\"'", 1, 9),
        ("{'a': 1}", "expected a string key, found character '''", 1, 2),
        (#"{"a": 1, "a": 2}"#, "duplicate key 'a'", 1, 10),
        ("tru", "unexpected character 't' (did you mean true?)", 1, 1),
        ("nul", "unexpected character 'n' (did you mean null?)", 1, 1),
        ("NaN", "unexpected character 'N'", 1, 1),
        ("01", "a number with a leading zero", 1, 2),
        ("1.", "expected a digit after '.'", 1, 3),
        (".5", "unexpected character '.'", 1, 1),
        ("+1", "unexpected character '+'", 1, 1),
        ("-", "expected a digit, found end of the body", 1, 2),
        ("1e", "expected a digit in the exponent", 1, 3),
        ("1e400", "the number 1e400 is out of range", 1, 1),
        (#""abc"#, "unterminated string", 1, 5),
        ("\"a\tb\"", "unescaped control character (byte 0x9) in a string; write it as \\u00XX", 1, 3),
        (#""\x""#, "invalid escape '\\x' in a string", 1, 3),
        (#""\u12G4""#, "invalid hex digit character 'G' in a \\u escape", 1, 6),
        (#""\u12""#, "incomplete \\u escape", 1, 4),
        (#""\ud800""#, "a high surrogate (\\ud800) not followed by a low surrogate", 1, 8),
        (#""\ud800\u0041""#, "a high surrogate (\\ud800) not followed by a low surrogate", 1, 14),
        (#""\udc00""#, "a low surrogate (\\udc00) without a high surrogate before it", 1, 8),
        ("{} {}", "unexpected character '{' after the end of the JSON value", 1, 4),
        ("{\n  \"a\": é\n}", "unexpected character 'é'", 2, 8),
    ])
    func malformed(text: String, reason: String, line: Int, column: Int) {
        let error = failure(text)
        #expect(error == JSONParser.Failure(reason: reason, line: line, column: column))
    }

    @Test("nesting is limited")
    func depthLimit() throws {
        let ok = String(repeating: "[", count: JSONParser.maxDepth) + String(repeating: "]", count: JSONParser.maxDepth)
        _ = try parse(ok)
        let deep = String(repeating: "[", count: JSONParser.maxDepth + 1) + String(repeating: "]", count: JSONParser.maxDepth + 1)
        #expect(failure(deep)?.reason == "nesting deeper than \(JSONParser.maxDepth) levels")
    }

    @Test("random documents written by JSONSerialization parse back the same")
    func randomRoundTrip() throws {
        var generator = SplitMix64(seed: 0x5EED)
        for _ in 0..<300 {
            let value = JSONValue.random(depth: 0, using: &generator)
            let data = try JSONSerialization.data(withJSONObject: ["root": value.foundationObject])
            let parsed = try JSONParser.parse([UInt8](data))
            guard case .object(let fields) = parsed, let root = fields["root"] else {
                Issue.record("no root in \(parsed)")
                continue
            }
            #expect(root.sameValue(as: value), "\(String(decoding: data, as: UTF8.self))")
        }
    }
}

/// A small seeded generator, so the random documents are the same on every run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension JSONValue {
    static func random(depth: Int, using generator: inout SplitMix64) -> JSONValue {
        let kinds = depth >= 4 ? 5 : 7
        switch Int.random(in: 0..<kinds, using: &generator) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &generator))
        case 2: return .integer(Int.random(in: -1_000_000_000...1_000_000_000, using: &generator))
        case 3: return .number(Double.random(in: -1e6...1e6, using: &generator))
        case 4:
            let alphabet = Array("ab \"\\/\n\t\u{1}é日😀")
            let length = Int.random(in: 0..<8, using: &generator)
            return .string(String((0..<length).map { _ in alphabet.randomElement(using: &generator)! }))
        case 5:
            return .array((0..<Int.random(in: 0..<4, using: &generator)).map { _ in random(depth: depth + 1, using: &generator) })
        default:
            var fields: [String: JSONValue] = [:]
            for index in 0..<Int.random(in: 0..<4, using: &generator) {
                fields["k\(index)é"] = random(depth: depth + 1, using: &generator)
            }
            return .object(JSONObject(fields))
        }
    }

    /// What JSONSerialization writes for this value.
    var foundationObject: Any {
        switch self {
        case .null: NSNull()
        case .bool(let flag): flag
        case .integer(let integer): integer
        case .number(let number): number
        case .string(let text): text
        case .array(let elements): elements.map(\.foundationObject)
        case .object(let object): object.fields.mapValues(\.foundationObject)
        }
    }

    /// Equal, counting a number as the same whichever way it was written.
    func sameValue(as other: JSONValue) -> Bool {
        switch (self, other) {
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.sameValue(as: $1) }
        case (.object(let a), .object(let b)):
            return a.count == b.count && a.fields.allSatisfy { key, value in b[key].map { value.sameValue(as: $0) } ?? false }
        default:
            if let x = numberValue, let y = other.numberValue { return x == y }
            return self == other
        }
    }
}
