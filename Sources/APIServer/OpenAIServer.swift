import Engine
import Hummingbird
import Jobs
import Logging
import NIOCore

/// The HTTP server: the completion routes over a `GenerationService`, the Files and Batch APIs
/// over a `JobStore` with the worker that runs batches, errors as OpenAI error objects, and an
/// optional API key. Route tests build `router()` and run it in process.
public struct OpenAIServer: Sendable {
    public let service: GenerationService
    public let configuration: ServerConfiguration
    public let worker: BatchWorker?
    /// The one path from a completion request to its answer, for routes and batch lines alike.
    let pipeline: CompletionPipeline
    /// Files and batches: SQLite (off the cooperative thread pool) or PostgreSQL.
    let jobs: (any JobStore)?

    /// Without a store the Files and Batch routes are absent.
    public init(service: GenerationService, configuration: ServerConfiguration, jobs: (any JobStore)?, logger: Logger) {
        self.service = service
        self.configuration = configuration
        let pipeline = CompletionPipeline(service: service, modelName: configuration.modelName)
        self.pipeline = pipeline
        self.jobs = jobs
        // The engine admits offline work while nothing waits for room; so does the worker.
        let hasIdleCapacity: @Sendable () -> Bool = { [engine = service.engine] in
            let scheduler = engine.stats().scheduler
            return scheduler.waitingOnline == 0 && scheduler.waitingOffline == 0
        }
        worker = jobs.map {
            BatchWorker(jobs: $0, pipeline: pipeline, configuration: configuration, hasIdleCapacity: hasIdleCapacity, logger: logger)
        }
    }

    /// A server over a SQLite store (one machine), or none.
    public init(service: GenerationService, configuration: ServerConfiguration, store: SQLiteJobStore?, logger: Logger) {
        self.init(service: service, configuration: configuration, jobs: store.map(AsyncJobStore.init), logger: logger)
    }

    /// One route group per endpoint family.
    public func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: OpenAIErrorMiddleware())
        if let key = configuration.apiKey { router.add(middleware: APIKeyMiddleware(key: key)) }
        HealthRoutes(service: service).add(to: router)
        ModelRoutes(configuration: configuration).add(to: router)
        CompletionRoutes(pipeline: pipeline, configuration: configuration).add(to: router)
        if let jobs, let worker {
            FileRoutes(jobs: jobs, configuration: configuration).add(to: router)
            BatchRoutes(jobs: jobs, worker: worker, configuration: configuration).add(to: router)
        }
        return router
    }

    /// Starts running batches, including those an earlier run left unfinished.
    public func startBatchWorker() async { await worker?.start() }

    public func stopBatchWorker() async { await worker?.stop() }

    /// The HTTP application alone (no batch worker, no grace period: see `run`). A client that
    /// closes its connection cancels the request it waits on (`DisconnectAwareHTTP1Channel`).
    public func application(logger: Logger,
                            onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) -> some ApplicationProtocol {
        Application(router: router(), server: .disconnectAwareHTTP1(),
                    configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "conserve"),
                    onServerRunning: onServerRunning, logger: logger)
    }
}
