import Foundation
import Testing
@testable import OpenAIAPI

/// A body from JSON text.
func body(_ json: String) -> Data { Data(json.utf8) }

/// A minimal valid chat body with `extra` fields spliced in (`"temperature": 1`).
func chatBody(_ extra: String = "") -> Data {
    body(#"{"model": "smollm2", "messages": [{"role": "user", "content": "Hi"}]"# + (extra.isEmpty ? "" : ", " + extra) + "}")
}

/// A minimal valid completion body with `extra` fields spliced in.
func completionBody(_ extra: String = "") -> Data {
    body(#"{"model": "smollm2", "prompt": "Once upon a time""# + (extra.isEmpty ? "" : ", " + extra) + "}")
}

/// The success of `result`, or a test failure that shows the error.
func expectSuccess<Value>(_ result: Result<Value, APIError>, sourceLocation: SourceLocation = #_sourceLocation) -> Value? {
    switch result {
    case .success(let value): return value
    case .failure(let error):
        Issue.record("expected success, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// Checks that `result` failed with this status, param and code, and that the message says
/// what `messageContains` says. Returns the error for further checks.
@discardableResult
func expectError<Value>(_ result: Result<Value, APIError>, param: String?, status: Int = 400, code: String? = nil,
                        messageContains: String? = nil,
                        sourceLocation: SourceLocation = #_sourceLocation) -> APIError? {
    switch result {
    case .success(let value):
        Issue.record("expected an error for param \(param ?? "nil"), got \(value)", sourceLocation: sourceLocation)
        return nil
    case .failure(let error):
        #expect(error.param == param, "\(error)", sourceLocation: sourceLocation)
        #expect(error.status == status, "\(error)", sourceLocation: sourceLocation)
        if let code { #expect(error.code == code, "\(error)", sourceLocation: sourceLocation) }
        if let messageContains {
            #expect(error.message.contains(messageContains), "\(error.message)", sourceLocation: sourceLocation)
        }
        return error
    }
}

/// Encodes `value` and reads it back as untyped JSON, to check key names and nulls the way
/// a client sees them.
func encodedObject(_ value: some Encodable) throws -> [String: Any] {
    let data = try JSONEncoder().encode(value)
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
}

/// Whether `object[key]` is present and JSON null.
func isNull(_ object: [String: Any], _ key: String) -> Bool {
    object.keys.contains(key) && object[key] is NSNull
}
