import Foundation
import GGUF
import Jinja
import OpenAIAPI
import Testing
@testable import Tokenization

/// Reference data for the chat-template tests: `Fixtures/chat_template_fixtures.json` (made by
/// `Fixtures/make_chat_fixtures.py` with Python's jinja2 set up as transformers sets it up) and the
/// model's reference fixture `Tests/Fixtures/smollm2-reference.json`.
private enum ChatFixtures {
    static let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let fixtureURL = testsDirectory.appendingPathComponent("Fixtures/chat_template_fixtures.json")
    static let referenceFixtures = testsDirectory.deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func load(_ url: URL) throws -> JinjaValue {
        JinjaValue(try JSONValue(parsing: String(decoding: try Data(contentsOf: url), as: UTF8.self)))
    }

    /// The moment `strftime_now` is frozen at in the fixtures (a naive local time in Python).
    static let fixedNow: Date = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone.current
        return calendar.date(from: DateComponents(year: 2024, month: 9, day: 5, hour: 12))!
    }()

    /// SmolLM2-135M-Instruct's `tokenizer.chat_template`, read from the GGUF the reference fixtures were made with.
    static let smolLM2Template =
        "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
}

private extension JinjaValue {
    /// A fixture's JSON as Python's `json.load` gives it to jinja2: objects keep their key
    /// order (tool schemas are printed back with `tojson`), integers stay integers.
    init(_ json: JSONValue) {
        switch json {
        case .null: self = .none
        case .bool(let flag): self = .bool(flag)
        case .integer(let integer): self = .int(integer)
        case .number(let number): self = .double(number)
        case .string(let text): self = .string(text)
        case .array(let elements): self = .array(elements.map(JinjaValue.init))
        case .object(let object): self = .dict(JinjaDict(object.members.map { ($0.key, JinjaValue($0.value)) }))
        }
    }

    subscript(_ key: String) -> JinjaValue {
        if case .dict(let d) = self { return d[key] ?? .undefined }
        return .undefined
    }

    var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    var arrayValue: [JinjaValue] {
        if case .array(let a) = self { return a }
        return []
    }

    var contextDictionary: [String: JinjaValue] {
        guard case .dict(let d) = self else { return [:] }
        var out: [String: JinjaValue] = [:]
        for (k, v) in d { out[k] = v }
        return out
    }
}

@Suite("Chat templates against references")
struct ChatTemplateReferenceTests {
    @Test("SmolLM2 template renders the smollm2-reference.json chat_template cases byte for byte")
    func smolLM2Reference() throws {
        let reference = try ChatFixtures.load(ChatFixtures.referenceFixtures.appendingPathComponent("smollm2-reference.json"))
        let cases = reference["chat_template"].arrayValue
        #expect(cases.count >= 3)
        let template = try ChatTemplate(source: ChatFixtures.smolLM2Template)
        for entry in cases {
            let messages = entry["messages"].arrayValue.map {
                ChatMessage(role: $0["role"].stringValue ?? "", content: $0["content"].stringValue ?? "")
            }
            let rendered = try template.render(messages: messages, addGenerationPrompt: true)
            #expect(rendered == entry["rendered"].stringValue, "messages: \(messages)")
        }
    }

    @Test("Llama 2/3/3.1, Qwen 2.5 and Mistral templates match jinja2 byte for byte, errors included")
    func jinja2ReferenceCases() throws {
        let fixtures = try ChatFixtures.load(ChatFixtures.fixtureURL)
        var templates: [String: ChatTemplate] = [:]
        guard case .dict(let sources) = fixtures["templates"] else { Issue.record("no templates"); return }
        for (name, source) in sources {
            templates[name] = try ChatTemplate(source: source.stringValue ?? "")
        }
        let cases = fixtures["cases"].arrayValue
        #expect(cases.count > 80)
        var matched = 0
        for entry in cases {
            let name = entry["name"].stringValue ?? "?"
            let template = try #require(templates[entry["template"].stringValue ?? ""])
            let context = entry["context"].contextDictionary
            if let expected = entry["expected"].stringValue {
                do {
                    let rendered = try template.render(context: context, now: ChatFixtures.fixedNow)
                    #expect(rendered == expected, "case \(name)")
                    if rendered == expected { matched += 1 }
                } catch {
                    Issue.record("case \(name) threw \(error)")
                }
            } else {
                let message = entry["error"].stringValue ?? ""
                #expect(throws: ChatTemplateError(kind: .raised, message: message), "case \(name)") {
                    try template.render(context: context, now: ChatFixtures.fixedNow)
                }
            }
        }
        #expect(matched == cases.filter { $0["expected"].stringValue != nil }.count)
    }

    @Test("render(messages:) builds the same context transformers does")
    func convenienceRenderMatchesContextRender() throws {
        let fixtures = try ChatFixtures.load(ChatFixtures.fixtureURL)
        var checked = 0
        for entry in fixtures["cases"].arrayValue {
            guard let expected = entry["expected"].stringValue else { continue }
            let context = entry["context"]
            // Plain conversations only, and not the template that reads the clock (this API cannot freeze it).
            guard case .dict(let keys) = context, keys.count == 6,
                  entry["template"].stringValue != "llama3.2-date",
                  context["messages"].arrayValue.allSatisfy({
                      if case .dict(let m) = $0 { return m.keys == ["role", "content"] } else { return false }
                  })
            else { continue }
            let template = try ChatTemplate(source: fixtures["templates"][entry["template"].stringValue ?? ""].stringValue ?? "")
            let messages = context["messages"].arrayValue.map {
                ChatMessage(role: $0["role"].stringValue ?? "", content: $0["content"].stringValue ?? "")
            }
            let rendered = try template.render(
                messages: messages, addGenerationPrompt: context["add_generation_prompt"] == .bool(true),
                bosToken: context["bos_token"].stringValue ?? "", eosToken: context["eos_token"].stringValue ?? "")
            #expect(rendered == expected, "case \(entry["name"].stringValue ?? "?")")
            checked += 1
        }
        #expect(checked > 50)
    }

    @Test("Feature snippets match jinja2")
    func snippets() throws {
        let fixtures = try ChatFixtures.load(ChatFixtures.fixtureURL)
        let snippets = fixtures["snippets"].arrayValue
        #expect(snippets.count > 30)
        for entry in snippets {
            let source = entry["source"].stringValue ?? ""
            let context = entry["context"].contextDictionary
            if let expected = entry["expected"].stringValue {
                do {
                    let rendered = try ChatTemplate(source: source).render(context: context, now: ChatFixtures.fixedNow)
                    #expect(rendered == expected, "snippet \(source)")
                } catch {
                    Issue.record("snippet \(source) threw \(error)")
                }
            } else {
                #expect(throws: ChatTemplateError.self, "snippet \(source) should fail like jinja2: \(entry["error"])") {
                    try ChatTemplate(source: source).render(context: context, now: ChatFixtures.fixedNow)
                }
            }
        }
    }
}

@Suite("Chat template errors")
struct ChatTemplateErrorTests {
    private func parseError(_ source: String) -> ChatTemplateError? {
        do {
            _ = try ChatTemplate(source: source)
            return nil
        } catch let error as ChatTemplateError {
            return error
        } catch {
            return nil
        }
    }

    @Test("an unknown filter is reported with its name and position at parse time")
    func unknownFilter() throws {
        let error = try #require(parseError("Hello\n  {{ name | frobnicate }}"))
        #expect(error.kind == .unknownFilter)
        #expect(error.message.contains("frobnicate"))
        #expect(error.line == 2)
        #expect(error.column == 13)
        #expect(error.description.contains("line 2, column 13"))
    }

    @Test("an unknown test is reported")
    func unknownTest() throws {
        let error = try #require(parseError("{% if x is frobnicated %}{% endif %}"))
        #expect(error.kind == .unknownTest)
        #expect(error.message.contains("frobnicated"))
    }

    @Test("an unclosed block names the block, where it opened, and what was expected")
    func unclosedBlock() throws {
        let error = try #require(parseError("{% for m in messages %}\n{% if m.role == 'user' %}{{ m.content }}\n{% endfor %}"))
        #expect(error.kind == .syntax)
        #expect(error.message.contains("unexpected 'endfor'") || error.message.contains("unclosed"))
        let eof = try #require(parseError("line one\n{% if true %}never closed"))
        #expect(eof.kind == .syntax)
        #expect(eof.message.contains("unclosed 'if'"))
        #expect(eof.message.contains("endif"))
        #expect(eof.line == 2 && eof.column == 1)
    }

    @Test("syntax errors: unknown tag, stray end tag, unterminated string, unclosed tag, bad expression")
    func syntaxErrors() throws {
        let unknownTag = try #require(parseError("{% frobnicate %}"))
        #expect(unknownTag.kind == .syntax && unknownTag.message.contains("unknown tag 'frobnicate'"))
        let stray = try #require(parseError("text {% endif %}"))
        #expect(stray.kind == .syntax && stray.message.contains("endif") && stray.column == 6)
        let string = try #require(parseError("{{ 'abc }}"))
        #expect(string.kind == .syntax && string.message.contains("unterminated string"))
        let tag = try #require(parseError("{{ x "))
        #expect(tag.kind == .syntax && tag.message.contains("unclosed tag"))
        let expression = try #require(parseError("{{ 1 + }}"))
        #expect(expression.kind == .syntax && expression.line == 1)
        let comment = try #require(parseError("{# never closed"))
        #expect(comment.kind == .syntax && comment.message.contains("comment"))
    }

    @Test("raise_exception surfaces the template's own message (Mistral role alternation)")
    func raiseException() throws {
        let fixtures = try ChatFixtures.load(ChatFixtures.fixtureURL)
        let template = try ChatTemplate(source: fixtures["templates"]["mistral-v1"].stringValue ?? "")
        let messages = [ChatMessage(role: "user", content: "a"), ChatMessage(role: "user", content: "b")]
        do {
            _ = try template.render(messages: messages, bosToken: "<s>", eosToken: "</s>")
            Issue.record("expected raise_exception")
        } catch let error as ChatTemplateError {
            #expect(error.kind == .raised)
            #expect(error.message == "After the optional system message, conversation roles must alternate user/assistant/user/assistant/...")
            #expect(error.description.contains("conversation roles must alternate"))
        }
    }

    @Test("runtime errors carry the position of the failing expression")
    func runtimeErrors() throws {
        let template = try ChatTemplate(source: "ok\n{{ 'a' + missing }}")
        #expect(throws: ChatTemplateError.self) { try template.render(messages: []) }
        do {
            _ = try template.render(messages: [])
        } catch let error as ChatTemplateError {
            #expect(error.kind == .runtime)
            #expect(error.line == 2)
            #expect(error.message.contains("undefined"))
        }
        let notIterable = try ChatTemplate(source: "{% for x in 5 %}{% endfor %}")
        #expect(throws: ChatTemplateError.self) { try notIterable.render(messages: []) }
        let call = try ChatTemplate(source: "{{ nothing() }}")
        #expect(throws: ChatTemplateError.self) { try call.render(messages: []) }
        let json = try ChatTemplate(source: "{{ missing | tojson }}")
        #expect(throws: ChatTemplateError.self) { try json.render(messages: []) }
    }
}

@Suite("Chat template robustness")
struct ChatTemplateRobustnessTests {
    @Test("every prefix of every reference template either renders or throws a ChatTemplateError")
    func truncatedTemplatesNeverCrash() throws {
        let fixtures = try ChatFixtures.load(ChatFixtures.fixtureURL)
        guard case .dict(let sources) = fixtures["templates"] else { Issue.record("no templates"); return }
        let messages = [ChatMessage(role: "user", content: "hi"), ChatMessage(role: "assistant", content: "yo")]
        var rendered = 0, failed = 0
        for (_, source) in sources {
            let text = Array(source.stringValue ?? "")
            for end in stride(from: 0, through: text.count, by: 5) {
                do {
                    let template = try ChatTemplate(source: String(text[..<end]))
                    _ = try template.render(messages: messages)
                    rendered += 1
                } catch is ChatTemplateError {
                    failed += 1
                }
            }
        }
        #expect(rendered > 0 && failed > 0)
    }

    @Test("hostile templates fail cleanly: deep nesting, huge repetition, overflow, long chains")
    func hostileTemplates() throws {
        let hostile = [
            String(repeating: "{% if true %}", count: 200) + "x",
            "{{ " + String(repeating: "(", count: 500) + "1" + String(repeating: ")", count: 500) + " }}",
            "{{ " + String(repeating: "1 + ", count: 5000) + "1 }}",
            "{{ 'x' * 1000000000 }}",
            "{{ [1] * 1000000000 }}",
            "{{ 9223372036854775807 + 1 }}",
            "{{ -(-9223372036854775807 - 1) }}",
            "{{ (-9223372036854775807 - 1) // -1 }}",
            "{{ 2 ** 100 }}",
            "{{ range(1000000000) | length }}",
            "{{ " + String(repeating: "not ", count: 300) + "1 }}",
        ]
        for source in hostile {
            #expect(throws: ChatTemplateError.self, "\(source.prefix(40))") {
                try ChatTemplate(source: source).render(messages: [])
            }
        }
        // Edge values render without trapping (`1e300 | int` is a big integer in Python; here the default, 0).
        #expect(try ChatTemplate(source: "{{ 1 ** 1000000000000 }} {{ 1e300 | int }} {{ l[::-9223372036854775807] }}")
            .render(context: ["l": [1, 2, 3]]) == "1 0 [3]")
    }
}

@Suite("Chat template from the GGUF")
struct ChatTemplateGGUFTests {
    static var modelPath: String { TestSupport.modelPath }

    @Test("the GGUF's tokenizer.chat_template is the embedded SmolLM2 template and parses")
    func ggufTemplate() throws {
        let file = try GGUFFile(path: Self.modelPath)
        let source = try #require(file.string("tokenizer.chat_template"))
        #expect(source == ChatFixtures.smolLM2Template)
        let rendered = try ChatTemplate(source: source).render(messages: [ChatMessage(role: "user", content: "Hi")])
        #expect(rendered.hasSuffix("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"))
    }
}
