import APIServer
import Engine
import Foundation
import Hummingbird
import HummingbirdTesting
import Jobs
import Logging
import LlamaModel
import ModelFiles
import Testing
import Tokenization

/// One engine over the default model for the route tests, fetched on first use.
enum ServerTestSupport {
    static let model: Result<LoadedModel, any Error> = Result {
        try LoadedModel(path: try ModelStore.ensureDefaultModel { FileHandle.standardError.write(Data(($0 + "\n").utf8)) })
    }

    static let service: Result<GenerationService, any Error> = Result { try makeService(try model.get(), name: "smollm2") }

    /// Qwen2.5-Coder-0.5B-Instruct (its chat template speaks tools), pulled on first use like
    /// `conserve pull qwen2.5-coder-0.5b`, and its engine, served as "qwen".
    static let qwenModel: Result<LoadedModel, any Error> = Result {
        try LoadedModel(path: try ModelStore.ensure(ModelCatalog.qwen25Coder05B, log: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }))
    }

    static let qwenService: Result<GenerationService, any Error> = Result { try makeService(try qwenModel.get(), name: "qwen") }

    static func qwenApplication() throws -> some ApplicationProtocol {
        let server = OpenAIServer(service: try qwenService.get(), configuration: ServerConfiguration(modelName: "qwen"),
                                  store: nil, logger: Logger(label: "test"))
        return Application(router: server.router())
    }

    private static func makeService(_ model: LoadedModel, name: String) throws -> GenerationService {
        let tokenizer = try Tokenizer(gguf: model.file)
        var configuration = EngineConfiguration()
        configuration.kvCacheBytes = 96 << 20
        configuration.threads = 2
        configuration.maxNumBatchedTokens = 128
        configuration.maxNumSequences = 8
        configuration.maxModelLength = 1024
        configuration.checkpoint = .memory(bytes: 16 << 20)
        let engine = try EngineHandle(model: model, tokenizer: tokenizer, configuration: configuration, latencyModel: nil)
        return GenerationService(engine: engine, prompts: try PromptEncoder(model: model, tokenizer: tokenizer),
                                 modelName: name, maxQueuedOnline: 64)
    }

    static func server(apiKey: String? = nil, maxBodySize: Int = 1 << 20, store: SQLiteJobStore? = nil) throws -> OpenAIServer {
        var configuration = ServerConfiguration(modelName: "smollm2")
        configuration.apiKey = apiKey
        configuration.maxBodySize = maxBodySize
        configuration.batchConcurrency = 4
        return OpenAIServer(service: try service.get(), configuration: configuration, store: store, logger: Logger(label: "test"))
    }

    static func application(apiKey: String? = nil, maxBodySize: Int = 1 << 20) throws -> some ApplicationProtocol {
        Application(router: try server(apiKey: apiKey, maxBodySize: maxBodySize).router())
    }

    /// `/metrics` as samples, `name{labels}` → value; every line that is not a comment must be one.
    static func metrics(_ client: some TestClientProtocol) async throws -> [String: Double] {
        try await client.execute(uri: "/metrics", method: .get) { response in
            #expect(response.status == .ok)
            var samples: [String: Double] = [:]
            for line in String(buffer: response.body).split(separator: "\n") where !line.hasPrefix("#") {
                // Every sample line is `name{labels} value`.
                let parts = line.split(separator: " ")
                #expect(parts.count == 2, "not a Prometheus sample: \(line)")
                if parts.count == 2, let value = Double(parts[1]) { samples[String(parts[0])] = value }
            }
            return samples
        }
    }

    static func json(_ buffer: ByteBuffer) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: Any] ?? [:]
    }

    static func error(_ buffer: ByteBuffer) throws -> [String: Any] {
        try json(buffer)["error"] as? [String: Any] ?? [:]
    }
}
