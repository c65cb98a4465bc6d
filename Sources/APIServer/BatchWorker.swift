import Foundation
import Jobs
import Logging
import OpenAIAPI

/// Runs the lines of active batches on the engine as offline requests and commits each
/// result to the job store as it completes, so a restart resumes where the last one stopped:
/// lines with a result are never run again, lines without one are run (again).
///
/// Keeps up to `concurrency` lines in flight: enough for the engine's offline share of every
/// step to stay full, few enough that cancelling a batch drops little work.
public actor BatchWorker {
    let jobs: AsyncJobStore
    let pipeline: CompletionPipeline
    let concurrency: Int
    let logger: Logger
    /// Lines in flight per batch, with the task running each.
    private var inFlight: [String: [Int: Task<Void, Never>]] = [:]
    private var wakeup: AsyncStream<Void>.Continuation?
    private var loop: Task<Void, Never>?
    /// Set by `stop`; a pass that was waiting for the store then starts nothing more.
    private var stopped = false

    init(jobs: AsyncJobStore, pipeline: CompletionPipeline, concurrency: Int, logger: Logger) {
        self.jobs = jobs
        self.pipeline = pipeline
        self.concurrency = max(1, concurrency)
        self.logger = logger
    }

    /// Starts the loop; it picks up batches left active by an earlier run.
    func start() {
        guard loop == nil else { return }
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        wakeup = continuation
        loop = Task { [weak self] in
            for await _ in stream {
                guard let self else { return }
                await self.pass()
            }
        }
        continuation.yield()
    }

    /// Asks the loop to look at the batches again (a batch was created, cancelled, or a line ended).
    func wake() { wakeup?.yield() }

    /// Stops feeding lines and cancels those in flight; their results are simply not recorded.
    func stop() {
        stopped = true
        wakeup?.finish()
        loop?.cancel()
        for tasks in inFlight.values { for task in tasks.values { task.cancel() } }
        inFlight.removeAll()
    }

    var linesInFlight: Int { inFlight.values.reduce(0) { $0 + $1.count } }

    /// One look at every active batch. Passes run one at a time (the loop awaits each), but the
    /// actor takes other calls while a pass waits for the store: `finished` may run, and so may
    /// `stop`, after which the pass starts nothing.
    private func pass() async {
        do {
            for batch in try await jobs.read({ try $0.activeBatches() }) where !stopped {
                switch batch.status {
                case .validating:
                    _ = try await jobs.write { try $0.startBatch(id: batch.id) }
                    wake()
                case .inProgress:
                    try await feed(batch)
                case .cancelling:
                    let running = inFlight[batch.id] ?? [:]
                    for task in running.values { task.cancel() }
                    if running.isEmpty { _ = try await jobs.write { try $0.finalize(batchID: batch.id) } }
                case .finalizing:
                    _ = try await jobs.write { try $0.finalize(batchID: batch.id) }
                default:
                    break
                }
            }
        } catch {
            logger.error("batch worker: \(error)")
        }
    }

    private func feed(_ batch: StoredBatch) async throws {
        // Lines in flight before asking the store: a line that finishes meanwhile has its
        // result recorded before it leaves `inFlight`, so it is either here or not pending.
        let running = inFlight[batch.id] ?? [:]
        let room = concurrency - linesInFlight
        if room > 0 {
            let lines = try await jobs.read { try $0.pendingLines(batchID: batch.id, limit: running.count + room) }
            for line in lines where running[line.index] == nil && linesInFlight < concurrency && !stopped {
                inFlight[batch.id, default: [:]][line.index] = Task { [pipeline, jobs, logger] in
                    await Self.run(line, of: batch, pipeline: pipeline, jobs: jobs, logger: logger)
                    self.finished(batch.id, line.index)
                }
            }
        }
        guard !stopped, (inFlight[batch.id] ?? [:]).isEmpty,
              try await jobs.read({ try $0.pendingLineCount(batchID: batch.id) }) == 0
        else { return }
        let done = try await jobs.write { try $0.finalize(batchID: batch.id) }
        logger.info("batch \(batch.id) \(done.status.rawValue): \(done.requestCounts.completed) completed, \(done.requestCounts.failed) failed")
    }

    private func finished(_ batchID: String, _ index: Int) {
        inFlight[batchID]?[index] = nil
        if inFlight[batchID]?.isEmpty == true { inFlight[batchID] = nil }
        wake()
    }

    /// Runs one line as an offline request through the completion pipeline and records its
    /// result (success or error object).
    static func run(_ line: BatchLine, of batch: StoredBatch, pipeline: CompletionPipeline, jobs: AsyncJobStore,
                    logger: Logger) async {
        let response: Data?, status: Int, errorBody: Data?
        do {
            let body = try await pipeline.batchLineResponse(to: line.body, at: CompletionPipeline.Endpoint(batch.endpoint))
            // A line cancelled with its batch ends early; its partial answer is not a result.
            if Task.isCancelled { return }
            (response, status, errorBody) = (body, 200, nil)
        } catch is CancellationError {
            return
        } catch {
            if Task.isCancelled { return } // cancelled with its batch: leave the line pending
            let apiError = (error as? APIErrorConvertible)?.apiError ?? APIError.serverError("\(error)")
            (response, status, errorBody) = (nil, apiError.status, apiError.jsonBody())
        }
        do {
            _ = try await jobs.write {
                try $0.recordResult(batchID: batch.id, lineIndex: line.index, response: response, statusCode: status, error: errorBody)
            }
        } catch {
            logger.error("batch \(batch.id) line \(line.index): could not record the result: \(error)")
        }
    }
}
