import Foundation
import Testing
@testable import OpenAIAPI

/// Responses must have OpenAI's keys and send null where OpenAI does: the official client
/// reads them. Each test reads the encoded JSON back untyped, then typed.
@Suite("Response encoding")
struct ResponseEncodingTests {
    @Test("chat.completion: keys, nulls, usage with cached tokens")
    func chatCompletion() throws {
        let completion = ChatCompletion(
            id: "chatcmpl-abc", created: 1_700_000_000, model: "smollm2",
            choices: [.init(message: .init(content: "Paris."), finishReason: .stop)],
            usage: CompletionUsage(promptTokens: 10, completionTokens: 2, cachedTokens: 8), serviceTier: .flex)
        let object = try encodedObject(completion)
        #expect(Set(object.keys) == ["id", "object", "created", "model", "choices", "usage", "service_tier", "system_fingerprint"])
        #expect(object["object"] as? String == "chat.completion")
        #expect(object["service_tier"] as? String == "flex")
        #expect(isNull(object, "system_fingerprint"))
        let choice = try #require((object["choices"] as? [[String: Any]])?.first)
        #expect(Set(choice.keys) == ["index", "message", "logprobs", "finish_reason"])
        #expect(choice["index"] as? Int == 0 && choice["finish_reason"] as? String == "stop")
        #expect(isNull(choice, "logprobs"))
        let message = try #require(choice["message"] as? [String: Any])
        #expect(message["role"] as? String == "assistant" && message["content"] as? String == "Paris.")
        #expect(isNull(message, "refusal"))
        let usage = try #require(object["usage"] as? [String: Any])
        #expect(usage["prompt_tokens"] as? Int == 10 && usage["completion_tokens"] as? Int == 2)
        #expect(usage["total_tokens"] as? Int == 12)
        #expect((usage["prompt_tokens_details"] as? [String: Any])?["cached_tokens"] as? Int == 8)

        let decoded = try JSONDecoder().decode(ChatCompletion.self, from: JSONEncoder().encode(completion))
        #expect(decoded == completion)
    }

    @Test("chat logprobs: token, logprob, bytes, top_logprobs; infinities become -9999")
    func chatLogprobs() throws {
        let logprobs = ChatCompletionLogprobs(content: [
            ChatCompletionTokenLogprob(token: "é", logprob: -0.25, topLogprobs: [
                .init(token: "é", logprob: -0.25), .init(token: "e", logprob: -1.5),
            ]),
            ChatCompletionTokenLogprob(token: "\u{FFFD}", logprob: -.infinity, bytes: [0xE6]),
        ])
        let choice = ChatCompletion.Choice(message: .init(content: "é"), logprobs: logprobs, finishReason: .length)
        let object = try encodedObject(choice)
        let encoded = try #require(object["logprobs"] as? [String: Any])
        #expect(isNull(encoded, "refusal"))
        let content = try #require(encoded["content"] as? [[String: Any]])
        #expect(Set(content[0].keys) == ["token", "logprob", "bytes", "top_logprobs"])
        #expect(content[0]["bytes"] as? [Int] == [0xC3, 0xA9])
        let top = try #require(content[0]["top_logprobs"] as? [[String: Any]])
        #expect(Set(top[0].keys) == ["token", "logprob", "bytes"])
        #expect(top[1]["token"] as? String == "e" && top[1]["logprob"] as? Double == -1.5)
        #expect(content[1]["logprob"] as? Double == -9999 && content[1]["bytes"] as? [Int] == [0xE6])
        #expect(choice.finishReason == .length)
        #expect(try JSONDecoder().decode(ChatCompletion.Choice.self, from: JSONEncoder().encode(choice)) == choice)
    }

    @Test("chat.completion.chunk: role first, content deltas, empty closing delta, usage chunk")
    func chatChunks() throws {
        func chunk(_ delta: ChatCompletionChunk.Delta, _ reason: CompletionFinishReason? = nil) -> ChatCompletionChunk {
            ChatCompletionChunk(id: "chatcmpl-1", created: 5, model: "m", choices: [.init(delta: delta, finishReason: reason)])
        }
        let first = try encodedObject(chunk(.init(role: .assistant, content: "")))
        #expect(first["object"] as? String == "chat.completion.chunk")
        #expect(isNull(first, "usage") && isNull(first, "system_fingerprint") && isNull(first, "service_tier"))
        let firstChoice = try #require((first["choices"] as? [[String: Any]])?.first)
        #expect(isNull(firstChoice, "finish_reason") && isNull(firstChoice, "logprobs"))
        #expect(firstChoice["delta"] as? [String: String] == ["role": "assistant", "content": ""])

        let middle = try #require((try encodedObject(chunk(.init(content: "Hi")))["choices"] as? [[String: Any]])?.first)
        #expect(middle["delta"] as? [String: String] == ["content": "Hi"])

        let last = try #require((try encodedObject(chunk(.init(), .stop))["choices"] as? [[String: Any]])?.first)
        #expect((last["delta"] as? [String: Any])?.isEmpty == true)
        #expect(last["finish_reason"] as? String == "stop")

        let usageChunk = ChatCompletionChunk.usageChunk(id: "chatcmpl-1", created: 5, model: "m",
                                                        usage: CompletionUsage(promptTokens: 3, completionTokens: 4))
        let usage = try encodedObject(usageChunk)
        #expect((usage["choices"] as? [Any])?.isEmpty == true)
        #expect((usage["usage"] as? [String: Any])?["total_tokens"] as? Int == 7)
        #expect(try JSONDecoder().decode(ChatCompletionChunk.self, from: JSONEncoder().encode(usageChunk)) == usageChunk)
    }

    @Test("text_completion: legacy logprobs with a null first prompt token")
    func completion() throws {
        let logprobs = Completion.Logprobs(tokens: ["Once", " upon"], tokenLogprobs: [nil, -1.25],
                                           topLogprobs: [nil, [" upon": -1.25, " a": -2]], textOffset: [0, 4])
        let completion = Completion(id: "cmpl-1", created: 9, model: "m",
                                    choices: [.init(text: "Once upon", logprobs: logprobs, finishReason: .length)],
                                    usage: CompletionUsage(promptTokens: 2, completionTokens: 0))
        let object = try encodedObject(completion)
        #expect(Set(object.keys) == ["id", "object", "created", "model", "choices", "usage", "system_fingerprint"])
        #expect(object["object"] as? String == "text_completion")
        let choice = try #require((object["choices"] as? [[String: Any]])?.first)
        #expect(Set(choice.keys) == ["text", "index", "logprobs", "finish_reason"])
        let encoded = try #require(choice["logprobs"] as? [String: Any])
        #expect(Set(encoded.keys) == ["tokens", "token_logprobs", "top_logprobs", "text_offset"])
        let tokenLogprobs = try #require(encoded["token_logprobs"] as? [Any])
        #expect(tokenLogprobs[0] is NSNull && tokenLogprobs[1] as? Double == -1.25)
        let top = try #require(encoded["top_logprobs"] as? [Any])
        #expect(top[0] is NSNull && (top[1] as? [String: Double])?[" a"] == -2)
        #expect(encoded["text_offset"] as? [Int] == [0, 4])
        #expect(try JSONDecoder().decode(Completion.self, from: JSONEncoder().encode(completion)) == completion)
    }

    @Test("a text_completion stream chunk has null usage, finish_reason and logprobs")
    func completionChunk() throws {
        let chunk = CompletionChunk(id: "cmpl-1", created: 9, model: "m", choices: [.init(text: " a", finishReason: nil)],
                                    usage: nil)
        let object = try encodedObject(chunk)
        #expect(object["object"] as? String == "text_completion" && isNull(object, "usage"))
        let choice = try #require((object["choices"] as? [[String: Any]])?.first)
        #expect(isNull(choice, "finish_reason") && isNull(choice, "logprobs"))
    }

    @Test("a response from another server decodes without the keys this one always sends as null")
    func absentNullableKeys() throws {
        let body = #"{"id":"c","object":"text_completion","created":1,"model":"m","choices":[{"text":"a","index":0}]}"#
        let completion = try JSONDecoder().decode(Completion.self, from: Data(body.utf8))
        #expect(completion.usage == nil && completion.systemFingerprint == nil)
        #expect(completion.choices == [Completion.Choice(text: "a", finishReason: nil)])
    }

    @Test("models: list and model objects")
    func models() throws {
        let list = ModelList(data: [ModelObject(id: "smollm2", created: 1)])
        let object = try encodedObject(list)
        #expect(object["object"] as? String == "list")
        let model = try #require((object["data"] as? [[String: Any]])?.first)
        #expect(Set(model.keys) == ["id", "object", "created", "owned_by"])
        #expect(model["object"] as? String == "model" && model["owned_by"] as? String == "conserve")
        #expect(try JSONDecoder().decode(ModelList.self, from: JSONEncoder().encode(list)) == list)
    }

    @Test("files: file object, list, deletion")
    func files() throws {
        let file = FileObject(id: "file-1", bytes: 120, createdAt: 7, filename: "in.jsonl", purpose: .batch)
        let object = try encodedObject(file)
        #expect(Set(object.keys) == ["id", "object", "bytes", "created_at", "filename", "purpose", "status"])
        #expect(object["object"] as? String == "file" && object["purpose"] as? String == "batch")
        #expect(object["status"] as? String == "processed")
        let failed = FileObject(id: "file-3", bytes: 0, createdAt: 7, filename: "x", purpose: .batch, status: .error)
        #expect(try encodedObject(failed)["status"] as? String == "error")

        let list = try encodedObject(FileList(data: [file, FileObject(id: "file-2", bytes: 1, createdAt: 8,
                                                                     filename: "out.jsonl", purpose: .batchOutput)]))
        #expect(list["object"] as? String == "list" && list["has_more"] as? Bool == false)
        #expect(list["first_id"] as? String == "file-1" && list["last_id"] as? String == "file-2")
        #expect(((list["data"] as? [[String: Any]])?[1])?["purpose"] as? String == "batch_output")
        #expect(isNull(try encodedObject(FileList(data: [])), "first_id"))

        let deleted = try encodedObject(DeletedFile(id: "file-1"))
        #expect(deleted["object"] as? String == "file" && deleted["deleted"] as? Bool == true)
        #expect(try JSONDecoder().decode(FileObject.self, from: JSONEncoder().encode(file)) == file)
    }

    @Test("upload purpose: only batch")
    func uploadPurpose() throws {
        #expect(try FilePurpose.forUpload("batch") == .batch)
        #expect(throws: APIError.self) { try FilePurpose.forUpload("fine-tune") }
        #expect(throws: APIError.self) { try FilePurpose.forUpload("batch_output") }
    }

    @Test("object ids carry OpenAI's prefixes and differ")
    func objectIDs() {
        #expect(ObjectID.chatCompletion().hasPrefix("chatcmpl-"))
        #expect(ObjectID.completion().hasPrefix("cmpl-"))
        #expect(ObjectID.file().hasPrefix("file-"))
        let batch = ObjectID.batch()
        #expect(batch.hasPrefix("batch_") && batch.count == 6 + 24)
        #expect(ObjectID.batch() != batch)
    }
}
