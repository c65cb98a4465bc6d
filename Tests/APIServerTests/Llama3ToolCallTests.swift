import Foundation
import Grammar
import OpenAIAPI
import Testing
import Tokenization
@testable import APIServer
@testable import Engine

/// Llama 3.x's own tool format (`ToolCallSyntax.llama3JSON`) without a Llama model: detection,
/// rendering through a chat template in Llama 3.1's style, the constrained call's grammar, and
/// what a response and a stream say.
@Suite struct Llama3ToolCallTests {
    /// A small template written for these tests in the manner of Meta's Llama 3.1 template: it
    /// reads `tools` and writes them into the first user message, writes earlier calls as
    /// `{"name": …, "parameters": …}`, maps `tool` to `ipython`, and knows `<|python_tag|>`.
    static let template = #"""
        {{- bos_token }}
        {%- if tools is not defined %}{%- set tools = none %}{%- endif %}
        {%- if messages[0].role == 'system' %}
            {%- set system_text = messages[0].content | trim %}
            {%- set messages = messages[1:] %}
        {%- else %}
            {%- set system_text = '' %}
        {%- endif %}
        {{- '<|start_header_id|>system<|end_header_id|>\n\n' }}
        {%- if tools is not none %}{{- 'Environment: ipython\n' }}{%- endif %}
        {{- system_text + '<|eot_id|>' }}
        {%- if tools is not none %}
            {%- set first_text = messages[0].content | trim %}
            {%- set messages = messages[1:] %}
            {{- '<|start_header_id|>user<|end_header_id|>\n\nFunctions you may call:\n\n' }}
            {%- for tool in tools %}{{- tool | tojson + '\n\n' }}{%- endfor %}
            {{- 'To call one, answer only {"name": <its name>, "parameters": <its arguments>}.\n\n' }}
            {{- first_text + '<|eot_id|>' }}
        {%- endif %}
        {%- for message in messages %}
            {%- if 'tool_calls' in message %}
                {%- set call = message.tool_calls[0].function %}
                {{- '<|start_header_id|>assistant<|end_header_id|>\n\n' }}
                {%- if builtin_tools is defined and call.name in builtin_tools %}
                    {{- '<|python_tag|>' + call.name + '.call(' + call.arguments | tojson + ')<|eom_id|>' }}
                {%- else %}
                    {{- '{"name": "' + call.name + '", "parameters": ' + call.arguments | tojson + '}<|eot_id|>' }}
                {%- endif %}
            {%- elif message.role == 'tool' or message.role == 'ipython' %}
                {{- '<|start_header_id|>ipython<|end_header_id|>\n\n' + message.content + '<|eot_id|>' }}
            {%- else %}
                {{- '<|start_header_id|>' + message.role + '<|end_header_id|>\n\n' + message.content | trim + '<|eot_id|>' }}
            {%- endif %}
        {%- endfor %}
        {%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{%- endif %}
        """#

    static let tools = #"""
        [{"type": "function", "function": {"name": "get_weather", "description": "Current weather in a city",
          "parameters": {"type": "object", "properties": {"city": {"type": "string", "maxLength": 12},
                                                          "unit": {"enum": ["c", "f"]}},
                         "required": ["city", "unit"], "additionalProperties": false}}},
         {"type": "function", "function": {"name": "now",
          "parameters": {"type": "object", "properties": {"tz": {"enum": ["utc", "local"]}}, "additionalProperties": false}}}]
        """#

    /// A conversation with an earlier call and its result.
    static let conversation = #"""
        [{"role": "system", "content": "Be brief."},
         {"role": "user", "content": "Weather in Paris?"},
         {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function",
           "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\", \"unit\": \"c\"}"}}]},
         {"role": "tool", "tool_call_id": "call_1", "content": "sunny, 21 C"}]
        """#

    static func request(_ fields: String) throws -> ChatCompletionRequest {
        try ChatCompletionRequest.decode(Data((#"{"model": "llama", "messages": "# + conversation + ", " + fields + "}").utf8)).get()
    }

    /// An encoder with `source` as its chat template and a vocabulary just big enough to name BOS and EOS.
    static func prompts(_ source: String) throws -> PromptEncoder {
        let tokenizer = try Tokenizer(model: .sentencePiece, tokens: ["<unk>", "<|begin_of_text|>", "<|eot_id|>"],
                                      scores: [0, 0, 0], bosID: 1, eosID: 2, unknownID: 0)
        return PromptEncoder(tokenizer: tokenizer, template: try ChatTemplate(source: source))
    }

    /// The chat templates of the tokenizer tests' fixture (the models' published templates).
    static func fixtureTemplates() throws -> [String: String] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("TokenizationTests/Fixtures/chat_template_fixtures.json")
        let fixture = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]
        return try #require(fixture?["templates"] as? [String: String])
    }

    // MARK: - Detection

    @Test func syntaxIsReadOffTheTemplate() throws {
        #expect(ToolCallSyntax(templateSource: Self.template) == .llama3JSON)
        #expect(try Self.prompts(Self.template).toolSyntax == .llama3JSON)
        let published = try Self.fixtureTemplates()
        #expect(published["llama3.1"].map(ToolCallSyntax.init(templateSource:)) == .llama3JSON, "Meta's Llama 3.1 template")
        #expect(published["qwen2.5"].map(ToolCallSyntax.init(templateSource:)) == .hermes)
        for name in ["llama2", "llama3", "llama3.2-date", "mistral-v0.1", "mistral-v1", "mistral-v3"] {
            #expect(published[name].map(ToolCallSyntax.init(templateSource:)) == .generic, "\(name)")
        }
        #expect(ToolCallSyntax(templateSource: Self.template + "{# <tool_call> #}") == .hermes, "Hermes is tried first")
        #expect(ToolCallSyntax(templateSource: Self.template.replacingOccurrences(of: "ipython", with: "tool")) == .generic)
        #expect(ToolCallSyntax(templateSource: nil) == .generic)
    }

    // MARK: - Rendering

    @Test func templateRendersTheToolsCallsAndResults() throws {
        let prompts = try Self.prompts(Self.template)
        let request = try Self.request(#""tools": "# + Self.tools)
        let plan = try #require(ToolCallPlan(request, syntax: prompts.toolSyntax))
        let rendered = try prompts.renderedChat(request.messages, tools: plan)
        let expected = "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nEnvironment: ipython\nBe brief.<|eot_id|>"
            + "<|start_header_id|>user<|end_header_id|>\n\nFunctions you may call:\n\n"
            + #"{"type": "function", "function": {"name": "get_weather", "description": "Current weather in a city", "#
            + #""parameters": {"type": "object", "properties": {"city": {"type": "string", "maxLength": 12}, "unit": {"enum": ["c", "f"]}}, "#
            + #""required": ["city", "unit"], "additionalProperties": false}}}"# + "\n\n"
            + #"{"type": "function", "function": {"name": "now", "parameters": {"type": "object", "properties": {"tz": {"enum": ["utc", "local"]}}, "#
            + #""additionalProperties": false}}}"# + "\n\n"
            + #"To call one, answer only {"name": <its name>, "parameters": <its arguments>}."# + "\n\n"
            + "Weather in Paris?<|eot_id|>"
            + "<|start_header_id|>assistant<|end_header_id|>\n\n"
            + #"{"name": "get_weather", "parameters": {"city": "Paris", "unit": "c"}}<|eot_id|>"#
            + "<|start_header_id|>ipython<|end_header_id|>\n\nsunny, 21 C<|eot_id|>"
            + "<|start_header_id|>assistant<|end_header_id|>\n\n"
        #expect(rendered == expected)
    }

    /// `tool_choice: "none"` leaves the tools out; the earlier call and its result are still written.
    @Test func noneLeavesTheToolsOut() throws {
        let prompts = try Self.prompts(Self.template)
        let request = try Self.request(#""tools": "# + Self.tools + #", "tool_choice": "none""#)
        #expect(ToolCallPlan(request, syntax: prompts.toolSyntax) == nil)
        let rendered = try prompts.renderedChat(request.messages, tools: nil)
        #expect(!rendered.contains("Environment: ipython"))
        #expect(!rendered.contains("Functions you may call"))
        #expect(rendered.contains("<|start_header_id|>user<|end_header_id|>\n\nWeather in Paris?<|eot_id|>"))
        #expect(rendered.contains(#"{"name": "get_weather", "parameters": {"city": "Paris", "unit": "c"}}<|eot_id|>"#))
        #expect(rendered.contains("<|start_header_id|>ipython<|end_header_id|>\n\nsunny, 21 C<|eot_id|>"))
    }

    /// Meta's own Llama 3.1 template (the tokenizer fixture's) renders the same conversation.
    @Test func publishedLlama31TemplateRendersTheConversation() throws {
        let prompts = try Self.prompts(try #require(try Self.fixtureTemplates()["llama3.1"]))
        #expect(prompts.toolSyntax == .llama3JSON)
        let request = try Self.request(#""tools": "# + Self.tools)
        let rendered = try prompts.renderedChat(request.messages, tools: ToolCallPlan(request, syntax: prompts.toolSyntax))
        #expect(rendered.hasPrefix("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nEnvironment: ipython\n"))
        #expect(rendered.contains("\"name\": \"get_weather\""))
        #expect(rendered.contains("Weather in Paris?<|eot_id|>"))
        #expect(rendered.contains("<|start_header_id|>assistant<|end_header_id|>\n\n"
            + #"{"name": "get_weather", "parameters": {"city": "Paris", "unit": "c"}}<|eot_id|>"#))
        // The template writes a result that is a string through `tojson` (a string is iterable in Jinja).
        #expect(rendered.contains(#"<|start_header_id|>ipython<|end_header_id|>"# + "\n\n" + #""sunny, 21 C"<|eot_id|>"#))
        #expect(rendered.hasSuffix("<|start_header_id|>assistant<|end_header_id|>\n\n"))
    }

    // MARK: - Constrained calls

    private func matcher(_ plan: ToolCallPlan) throws -> GrammarMatcher {
        let constraint = try #require(plan.constraint)
        #expect(constraint.frame == nil, "a bare call has no text around it")
        return GrammarMatcher(grammar: try JSONSchemaCompiler.compile(schema: constraint.schema))
    }

    @Test func requiredIsExactlyOneCallOfADeclaredTool() throws {
        let plan = try #require(ToolCallPlan(try Self.request(#""tools": "# + Self.tools + #", "tool_choice": "required""#),
                                             syntax: .llama3JSON))
        let m = try matcher(plan)
        let weather = #"{"name":"get_weather","parameters":{"city":"Paris","unit":"c"}}"#
        #expect(m.matches(Array(weather.utf8)))
        #expect(m.matches(Array(#"{"name":"now","parameters":{}}"#.utf8)))
        #expect(m.matches(Array(#"{"name":"now","parameters":{"tz":"utc"}}"#.utf8)))
        #expect(!m.matches(Array(#"{"name":"get_weather","arguments":{"city":"Paris","unit":"c"}}"#.utf8)), "Llama's key is parameters")
        #expect(!m.matches(Array(#"{"name":"get_weather","parameters":{"city":"Paris"}}"#.utf8)), "the parameter schema holds")
        #expect(!m.matches(Array(#"{"name":"send_email","parameters":{}}"#.utf8)))
        #expect(!m.matches(Array((weather + ";" + weather).utf8)), "one call, even with parallel_tool_calls")
        #expect(!m.matches(Array(("<|python_tag|>" + weather).utf8)))
        #expect(!m.matches(Array("".utf8)))
    }

    @Test func namedFunctionIsThatFunction() throws {
        let plan = try #require(ToolCallPlan(
            try Self.request(#""tools": "# + Self.tools + #", "tool_choice": {"type": "function", "function": {"name": "now"}}"#),
            syntax: .llama3JSON))
        let m = try matcher(plan)
        #expect(m.matches(Array(#"{"name":"now","parameters":{"tz":"local"}}"#.utf8)))
        #expect(!m.matches(Array(#"{"name":"get_weather","parameters":{"city":"Paris","unit":"c"}}"#.utf8)))
    }

    @Test func autoIsNotConstrained() throws {
        let plan = try #require(ToolCallPlan(try Self.request(#""tools": "# + Self.tools), syntax: .llama3JSON))
        #expect(plan.constraint == nil)
    }

    /// Texts the grammar lets through, picked at random byte by byte, are each read as one call.
    @Test func everyConstrainedAnswerIsACall() throws {
        let plan = try #require(ToolCallPlan(try Self.request(#""tools": "# + Self.tools + #", "tool_choice": "required""#),
                                             syntax: .llama3JSON))
        let m = try matcher(plan)
        var random = LinearCongruential(seed: 7)
        var names: Set<String> = []
        for _ in 0..<24 {
            var state = m.initialState()
            var bytes: [UInt8] = []
            while !state.isAccepting, bytes.count < 600 {
                let allowed = (UInt8(0x20)...UInt8(0x7E)).filter { !m.advance(state, byte: $0).isDead }
                try #require(!allowed.isEmpty)
                let byte = allowed[random.next(below: allowed.count)]
                state = m.advance(state, byte: byte)
                bytes.append(byte)
            }
            try #require(state.isAccepting)
            let text = String(decoding: bytes, as: UTF8.self)
            let message = plan.message(from: text)
            #expect(message.content == nil, "\(text)")
            let call = try #require(message.toolCalls?.first, "\(text)")
            #expect(message.toolCalls?.count == 1)
            names.insert(call.function.name)
            #expect(try JSONValue(parsing: call.function.arguments).isObject, "\(text)")
            // A stream reads it as the plain response does, the call released as it comes.
            let (streamed, answer) = ToolCallSplits.everySplit(text, .llama3JSON, toolNames: ["get_weather", "now"])
            #expect(streamed.calls == answer.calls)
            #expect(answer.calls?.first?.arguments == call.function.arguments)
        }
        #expect(names == ["get_weather", "now"])
    }

    // MARK: - Responses

    private func events(_ pieces: [String]) -> [TokenEvent] {
        pieces.enumerated().map { index, piece in
            TokenEvent(token: 1, text: piece, finishReason: index == pieces.count - 1 ? .stop : nil)
        }
    }

    /// The pieces of a Llama answer as its tokenizer would release them, the last with the end.
    static let answerPieces = [#"{""#, "name", #"":"#, #" ""#, "get", "_weather", #"","#, #" ""#, "parameters", #"":"#,
                               #" {""#, "city", #"":"#, #" ""#, "Paris", #"","#, #" ""#, "unit", #"":"#, #" ""#, "c", #""}}"#, ""]

    @Test func responseCarriesTheCall() throws {
        let plan = try #require(ToolCallPlan(try Self.request(#""tools": "# + Self.tools), syntax: .llama3JSON))
        let format = ChatCompletionFormat(model: "llama", tier: .default, logprobsTokenizer: nil, tools: plan)
        let body = format.body(events(Self.answerPieces))
        let json = try #require(try JSONSerialization.jsonObject(with: HTTPResponses.encoder.encode(body)) as? [String: Any])
        let choice = try #require((json["choices"] as? [[String: Any]])?.first)
        #expect(choice["finish_reason"] as? String == "tool_calls")
        let message = try #require(choice["message"] as? [String: Any])
        #expect(message["content"] is NSNull)
        let calls = try #require(message["tool_calls"] as? [[String: Any]])
        #expect(calls.count == 1)
        #expect(calls.first?["type"] as? String == "function")
        #expect((calls.first?["id"] as? String)?.hasPrefix("call_") == true)
        let function = try #require(calls.first?["function"] as? [String: Any])
        #expect(function["name"] as? String == "get_weather")
        #expect(function["arguments"] as? String == #"{"city":"Paris","unit":"c"}"#)

        let prose = format.body(events(["It is", " sunny."]))
        let proseJSON = try JSONSerialization.jsonObject(with: HTTPResponses.encoder.encode(prose)) as? [String: Any]
        let proseChoice = try #require((proseJSON?["choices"] as? [[String: Any]])?.first)
        #expect(proseChoice["finish_reason"] as? String == "stop")
        #expect((proseChoice["message"] as? [String: Any])?["content"] as? String == "It is sunny.")
    }

    /// A stream's chunks, in the shapes the `openai` client accumulates: the call's index, id,
    /// type, name and empty arguments first, then the arguments in fragments.
    @Test func streamSendsTheCallInFragments() throws {
        let plan = try #require(ToolCallPlan(try Self.request(#""tools": "# + Self.tools), syntax: .llama3JSON))
        var format = ChatCompletionFormat(model: "llama", tier: .default, logprobsTokenizer: nil, tools: plan)
        let chunks = format.openingChunks() + events(Self.answerPieces).flatMap { format.chunks($0) }
        let choices = try chunks.map { chunk in
            let json = try JSONSerialization.jsonObject(with: HTTPResponses.encoder.encode(chunk)) as? [String: Any]
            return try #require((json?["choices"] as? [[String: Any]])?.first)
        }
        let deltas = choices.compactMap { $0["delta"] as? [String: Any] }
        #expect(deltas.first?["role"] as? String == "assistant")
        #expect(deltas.allSatisfy { $0["content"] == nil }, "no content, not even an empty one")
        let calls = deltas.compactMap { $0["tool_calls"] as? [[String: Any]] }.flatMap { $0 }
        let first = try #require(calls.first)
        #expect(first["index"] as? Int == 0)
        #expect((first["id"] as? String)?.hasPrefix("call_") == true)
        #expect(first["type"] as? String == "function")
        #expect((first["function"] as? [String: Any])?["name"] as? String == "get_weather")
        #expect((first["function"] as? [String: Any])?["arguments"] as? String == "")
        let rest = calls.dropFirst()
        #expect(rest.count > 3, "the arguments come in several fragments")
        #expect(rest.allSatisfy { $0["index"] as? Int == 0 && $0["id"] == nil && $0["type"] == nil })
        let arguments = rest.compactMap { ($0["function"] as? [String: Any])?["arguments"] as? String }.joined()
        #expect(arguments == #"{"city":"Paris","unit":"c"}"#)
        #expect(choices.compactMap { $0["finish_reason"] as? String } == ["tool_calls"])
    }
}

/// A small seeded generator, so that the random texts repeat.
private struct LinearCongruential {
    var state: UInt64

    init(seed: UInt64) { state = seed | 1 }

    mutating func next(below bound: Int) -> Int {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Int((state >> 33) % UInt64(bound))
    }
}

extension JSONValue {
    fileprivate var isObject: Bool { if case .object = self { true } else { false } }
}
