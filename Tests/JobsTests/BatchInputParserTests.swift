import Foundation
import Testing
@testable import Jobs

@Suite struct BatchInputParserTests {
    let parser = BatchInputParser(endpoint: .chatCompletions)

    private func requestLine(_ customID: String, method: String = "POST", url: String = "/v1/chat/completions") -> String {
        #"{"custom_id": "\#(customID)", "method": "\#(method)", "url": "\#(url)", "body": {"model": "smollm2", "messages": [{"role": "user", "content": "hi/there"}], "max_tokens": 5, "temperature": 0.5, "stream": false}}"#
    }

    private func errors(_ text: String, parser: BatchInputParser? = nil) -> [BatchInputError] {
        switch (parser ?? self.parser).parse(Data(text.utf8)) {
        case .valid: []
        case .invalid(let errors): errors
        }
    }

    @Test func validFileGivesItsLines() throws {
        let text = [requestLine("a"), requestLine("b"), requestLine("c")].joined(separator: "\n") + "\n\n  \n"
        guard case .valid(let lines) = parser.parse(Data(text.utf8)) else {
            Issue.record("expected a valid file")
            return
        }
        #expect(lines.map(\.index) == [0, 1, 2])
        #expect(lines.map(\.customID) == ["a", "b", "c"])
        #expect(lines.allSatisfy { $0.method == "POST" && $0.url == "/v1/chat/completions" })
        let body = try #require(try JSONSerialization.jsonObject(with: lines[0].body) as? [String: Any])
        #expect(body["model"] as? String == "smollm2")
        #expect((body["max_tokens"] as? NSNumber)?.intValue == 5)
        #expect((body["temperature"] as? NSNumber)?.doubleValue == 0.5)
        #expect((body["stream"] as? Bool) == false)
        let messages = try #require(body["messages"] as? [[String: Any]])
        #expect(messages.first?["content"] as? String == "hi/there")
        #expect(lines[2].lineNumber == 3)
    }

    @Test func crlfLineEndingsAndAByteOrderMarkAreAccepted() {
        let text = "\u{FEFF}" + requestLine("a") + "\r\n" + requestLine("b") + "\r\n"
        guard case .valid(let lines) = parser.parse(Data(text.utf8)) else {
            Issue.record("expected a valid file")
            return
        }
        #expect(lines.map(\.customID) == ["a", "b"])
    }

    @Test func parsedLinesCanBeStoredAsABatch() throws {
        let store = try StoreFixture().store
        let content = Data([requestLine("x"), requestLine("y")].joined(separator: "\n").utf8)
        let input = try store.createFile(filename: "in.jsonl", purpose: "batch", content: content)
        guard case .valid(let lines) = parser.parse(try #require(try store.fileContent(id: input.id))) else {
            Issue.record("expected a valid file")
            return
        }
        let batch = try store.createBatch(endpoint: .chatCompletions, inputFileID: input.id, lines: lines)
        #expect(try store.pendingLines(batchID: batch.id) == lines)
    }

    @Test func emptyFile() {
        for text in ["", "\n", "  \n\t\n", "\u{FEFF}"] {
            let found = errors(text)
            #expect(found.map(\.code) == [.emptyFile])
            #expect(found.first?.line == nil)
        }
    }

    @Test func tooManyLines() {
        let small = BatchInputParser(endpoint: .chatCompletions, maxLines: 2)
        let text = [requestLine("a"), requestLine("b"), requestLine("c")].joined(separator: "\n")
        #expect(errors(text, parser: small).map(\.code) == [.tooManyLines])
        #expect(BatchInputParser.defaultMaxLines == 50_000)
        // Trailing blank lines do not count.
        #expect(errors([requestLine("a"), requestLine("b"), "", ""].joined(separator: "\n"), parser: small).isEmpty)
    }

    @Test func invalidJSON() {
        let text = [requestLine("a"), "{not json", "[1, 2]", "", requestLine("b")].joined(separator: "\n")
        let found = errors(text)
        #expect(found.map(\.code) == [.invalidJSON, .invalidJSON, .invalidJSON])
        #expect(found.map(\.line) == [2, 3, 4])
        #expect(found.allSatisfy { $0.param == nil })
    }

    @Test func missingCustomID() {
        let lines = [
            #"{"method": "POST", "url": "/v1/chat/completions", "body": {}}"#,
            #"{"custom_id": 7, "method": "POST", "url": "/v1/chat/completions", "body": {}}"#,
            #"{"custom_id": "", "method": "POST", "url": "/v1/chat/completions", "body": {}}"#,
        ]
        let found = errors(lines.joined(separator: "\n"))
        #expect(found.map(\.code) == [.missingCustomID, .missingCustomID, .missingCustomID])
        #expect(found.map(\.line) == [1, 2, 3])
        #expect(found.allSatisfy { $0.param == "custom_id" })
    }

    @Test func duplicateCustomID() {
        let text = [requestLine("a"), requestLine("b"), requestLine("a")].joined(separator: "\n")
        let found = errors(text)
        #expect(found.map(\.code) == [.duplicateCustomID])
        #expect(found.first?.line == 3)
        #expect(found.first?.message.contains("line 1") == true)
    }

    @Test func invalidMethod() {
        let found = errors([requestLine("a", method: "GET"), #"{"custom_id": "b", "url": "/v1/chat/completions", "body": {}}"#]
            .joined(separator: "\n"))
        #expect(found.map(\.code) == [.invalidMethod, .invalidMethod])
        #expect(found.map(\.param) == ["method", "method"])
        #expect(found.first?.message.contains("POST") == true)
    }

    @Test func invalidURL() {
        let found = errors(requestLine("a", url: "/v1/completions"))
        #expect(found.map(\.code) == [.invalidURL])
        #expect(found.first?.param == "url")
        #expect(found.first?.message.contains("/v1/chat/completions") == true)
    }

    @Test func missingBody() {
        let lines = [
            #"{"custom_id": "a", "method": "POST", "url": "/v1/chat/completions"}"#,
            #"{"custom_id": "b", "method": "POST", "url": "/v1/chat/completions", "body": "text"}"#,
        ]
        let found = errors(lines.joined(separator: "\n"))
        #expect(found.map(\.code) == [.missingBody, .missingBody])
        #expect(found.map(\.line) == [1, 2])
        #expect(found.allSatisfy { $0.param == "body" })
    }

    @Test func everyProblemOfALineIsReported() {
        let found = errors(#"{"method": "PUT", "url": "/v1/embeddings"}"#)
        #expect(Set(found.map(\.code)) == [.missingCustomID, .invalidMethod, .invalidURL, .missingBody])
        #expect(found.allSatisfy { $0.line == 1 })
    }

    @Test func errorsEncodeAsOpenAIErrorEntries() throws {
        let error = BatchInputError(code: .invalidURL, message: "m", param: "url", line: 4)
        let object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(error)) as? [String: Any])
        #expect(object["code"] as? String == "invalid_url")
        #expect(object["param"] as? String == "url")
        #expect((object["line"] as? NSNumber)?.intValue == 4)
        #expect(try JSONDecoder().decode(BatchInputError.self, from: JSONEncoder().encode(error)) == error)
    }
}
