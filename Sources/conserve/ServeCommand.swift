import APIServer
import ArgumentParser
import Engine
import Foundation
import Hummingbird
import Jobs
import LlamaModel
import Logging
import ModelFiles
import Tokenization
import Units

/// `conserve serve`: the OpenAI-compatible server over the co-serving engine.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the model over an OpenAI-compatible HTTP API (chat, completions, streaming)."
    )

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var engineOptions: EngineOptions

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on.")
    var port = 8000

    @Option(help: "Require this key as 'Authorization: Bearer <key>' on every /v1 route.")
    var apiKey: String?

    @Option(help: "Largest request body accepted (e.g. 32MiB).")
    var maxBodySize = "32MiB"

    @Option(help: "Online requests waiting for their first token at most; more get 429.")
    var maxQueuedOnline = 256

    @Option(help: "Model name served at /v1/models (default: the file name without .gguf).")
    var servedModelName: String?

    @Option(help: "Where files and batch jobs are kept (SQLite); default $CONSERVE_HOME/data.")
    var dataDir: String?

    @Option(help: "Batch lines run at once at most.")
    var batchConcurrency = 64

    @Option(help: ArgumentHelp("Seconds running requests get to finish after SIGINT or SIGTERM; then they are cancelled.",
                               valueName: "seconds"))
    var shutdownGracePeriod = 30.0

    func validate() throws {
        guard shutdownGracePeriod >= 0, shutdownGracePeriod.isFinite else {
            throw ValidationError("--shutdown-grace-period: expected seconds ≥ 0, got \(shutdownGracePeriod)")
        }
    }

    func run() async throws {
        var logger = Logger(label: "conserve")
        logger.logLevel = .info
        let path = try modelOptions.resolvedPath()
        let model = try LoadedModel(path: path)
        let tokenizer = try Tokenizer(gguf: model.file)
        let engineConfiguration = try engineOptions.configuration(threads: modelOptions.threads)
        let latency = engineConfiguration.policy.needsLatencyModel
            ? try LatencyProfileStore.loadOrProfile(model: model, modelPath: path, threads: modelOptions.threads, log: Console.status, store: .standard)
            : nil
        let engine = try EngineHandle(model: model, tokenizer: tokenizer, configuration: engineConfiguration, latencyModel: latency)
        var configuration = ServerConfiguration(
            modelName: servedModelName ?? URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent)
        configuration.host = host
        configuration.port = port
        configuration.apiKey = apiKey
        configuration.maxQueuedOnline = maxQueuedOnline
        do { configuration.maxBodySize = try ByteSize(parsing: maxBodySize).bytes } catch {
            throw ValidationError("--max-body-size: \(error)")
        }
        configuration.batchConcurrency = batchConcurrency
        let store = try JobStore(dataDirectory: URL(fileURLWithPath: dataDir ?? ModelStore.home + "/data"))
        let service = GenerationService(engine: engine, prompts: try PromptEncoder(model: model, tokenizer: tokenizer),
                                        modelName: configuration.modelName, maxQueuedOnline: maxQueuedOnline, logger: logger)
        let server = OpenAIServer(service: service, configuration: configuration, store: store, logger: logger)
        logger.info("serving \(configuration.modelName) on http://\(host):\(port) (policy \(engineConfiguration.policy.rawValue), data in \(store.databasePath))")
        // Until SIGINT or SIGTERM; then no new connections, batch lines in flight are dropped (they
        // stay pending and run again after restart), running requests get the grace period.
        try await server.run(logger: logger, shutdownGracePeriod: .milliseconds(Int64(shutdownGracePeriod * 1000)))
        engine.shutdown()
        logger.info("stopped")
    }
}
