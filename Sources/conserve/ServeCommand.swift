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

    @Option(help: "Model name served at /v1/models (default: the name given to --model, or the file name without .gguf).")
    var servedModelName: String?

    @Option(help: "Where files and batch jobs are kept (SQLite); default $CONSERVE_HOME/data.")
    var dataDir: String?

    @Option(help: ArgumentHelp("Keep files and batch jobs in this PostgreSQL database instead, shared by replicas.",
                               valueName: "postgres://USER@HOST:PORT/DB"))
    var jobStore: String?

    @Option(help: "Batch lines run at once at most.")
    var batchConcurrency = 64

    @Option(help: ArgumentHelp("A batch line's lease lasts this long without a heartbeat; then another replica may run it.",
                               valueName: "seconds"))
    var batchLeaseSeconds = 30.0

    @Option(help: ArgumentHelp("Seconds running requests get to finish after SIGINT or SIGTERM; then they are cancelled.",
                               valueName: "seconds"))
    var shutdownGracePeriod = 30.0

    func validate() throws {
        guard shutdownGracePeriod >= 0, shutdownGracePeriod.isFinite else {
            throw ValidationError("--shutdown-grace-period: expected seconds ≥ 0, got \(shutdownGracePeriod)")
        }
        guard batchLeaseSeconds >= 1, batchLeaseSeconds.isFinite else {
            throw ValidationError("--batch-lease-seconds: expected seconds ≥ 1, got \(batchLeaseSeconds)")
        }
        if let jobStore {
            do { _ = try PostgresLocation(url: jobStore) } catch { throw ValidationError("--job-store: \(error)") }
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
        var configuration = ServerConfiguration(modelName: servedModelName ?? modelOptions.servedName(forPath: path))
        configuration.host = host
        configuration.port = port
        configuration.apiKey = apiKey
        configuration.maxQueuedOnline = maxQueuedOnline
        do { configuration.maxBodySize = try ByteSize(parsing: maxBodySize).bytes } catch {
            throw ValidationError("--max-body-size: \(error)")
        }
        configuration.batchConcurrency = batchConcurrency
        configuration.batchLeaseDuration = .milliseconds(Int64(batchLeaseSeconds * 1000))
        let (jobs, jobsDescription, postgres) = try await openJobStore(logger: logger)
        let service = GenerationService(engine: engine, prompts: try PromptEncoder(model: model, tokenizer: tokenizer),
                                        modelName: configuration.modelName, maxQueuedOnline: maxQueuedOnline, logger: logger)
        let server = OpenAIServer(service: service, configuration: configuration, jobs: jobs, logger: logger)
        logger.info("serving \(configuration.modelName) on http://\(host):\(port) (policy \(engineConfiguration.policy.rawValue), jobs in \(jobsDescription))")
        // Until SIGINT or SIGTERM; then no new connections, batch lines in flight are dropped (they
        // stay pending and run again after restart), running requests get the grace period.
        try await server.run(logger: logger, shutdownGracePeriod: .milliseconds(Int64(shutdownGracePeriod * 1000)))
        engine.shutdown()
        postgres?.close()
        logger.info("stopped")
    }

    /// SQLite in the data directory, or the PostgreSQL database of `--job-store`.
    private func openJobStore(logger: Logger) async throws -> (any JobStore, String, PostgresJobStore?) {
        if let jobStore {
            let store = try await PostgresJobStore(location: try PostgresLocation(url: jobStore), logger: logger)
            return (store, store.location.description, store)
        }
        let store = try SQLiteJobStore(dataDirectory: URL(fileURLWithPath: dataDir ?? ModelStore.home + "/data"))
        return (AsyncJobStore(store), store.databasePath, nil)
    }
}
