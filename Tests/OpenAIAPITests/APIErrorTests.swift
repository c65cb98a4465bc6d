import Foundation
import Testing
@testable import OpenAIAPI

@Suite("APIError")
struct APIErrorTests {
    @Test("the body is OpenAI's error object, with nulls for param and code")
    func errorBody() throws {
        let object = try #require(try JSONSerialization.jsonObject(
            with: APIError.serverError("boom").jsonBody()) as? [String: Any])
        #expect(Set(object.keys) == ["error"])
        let error = try #require(object["error"] as? [String: Any])
        #expect(Set(error.keys) == ["message", "type", "param", "code"])
        #expect(error["message"] as? String == "boom" && error["type"] as? String == "server_error")
        #expect(isNull(error, "param"))

        let withParam = try encodedObject(APIError.invalidRequest("bad", param: "messages[2].content"))
        let inner = try #require(withParam["error"] as? [String: Any])
        #expect(inner["param"] as? String == "messages[2].content" && isNull(inner, "code"))
    }

    @Test("each helper's status, type and code")
    func helpers() {
        let cases: [(APIError, Int, String, String?)] = [
            (.invalidRequest("x"), 400, "invalid_request_error", nil),
            (.invalidAPIKey(), 401, "authentication_error", "invalid_api_key"),
            (.notFound("No such file: file-1", param: "file_id"), 404, "not_found_error", nil),
            (.modelNotFound("gpt-4", available: ["smollm2"]), 404, "not_found_error", "model_not_found"),
            (.requestTooLarge("too big"), 413, "request_too_large", "request_too_large"),
            (.unprocessable("bad file"), 422, "unprocessable_entity_error", nil),
            (.rateLimited("slow down", retryAfterSeconds: 3), 429, "rate_limit_error", "rate_limit_exceeded"),
            (.serverError("boom"), 500, "server_error", "server_error"),
            (.serviceUnavailable("overloaded", retryAfterSeconds: 1), 503, "service_unavailable", "service_unavailable"),
        ]
        for (error, status, type, code) in cases {
            #expect(error.status == status && error.type == type && error.code == code, "\(error)")
        }
        #expect(APIError.rateLimited("x", retryAfterSeconds: 3).retryAfterSeconds == 3)
        #expect(APIError.modelNotFound("gpt-4", available: ["smollm2"]).param == "model")
        #expect(APIError.modelNotFound("gpt-4", available: ["smollm2"]).message.contains("'smollm2'"))
    }

    @Test("context length errors give the numbers")
    func contextLength() {
        let error = APIError.contextLengthExceeded(maxContext: 2048, promptTokens: 2000, maxTokens: 100)
        #expect(error.code == "context_length_exceeded" && error.param == "messages" && error.status == 400)
        #expect(error.message.contains("2048") && error.message.contains("2100"))
    }

    @Test("clients read error bodies back, from this server and from others")
    func decodeBody() {
        let sent = APIError.invalidRequest("bad", param: "stop", code: "invalid_value")
        #expect(APIError.decode(sent.jsonBody(), status: 400) == sent)
        let vllm = body(#"{"error": {"message": "oops", "type": "BadRequestError", "param": null, "code": 400}}"#)
        #expect(APIError.decode(vllm, status: 400)?.code == "400")
        #expect(APIError.decode(body("not json"), status: 502) == nil)
    }
}
