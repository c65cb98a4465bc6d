import Foundation
import Jobs
import Logging
import OpenAIAPI
import Synchronization

/// Runs batch lines on the engine as offline requests, under leases from the job store, and
/// commits each result (fenced by its lease) as it completes.
///
/// With one server and SQLite the leases live in memory; with replicas sharing PostgreSQL
/// they are rows: each replica claims lines only while its engine has idle capacity, renews
/// them by heartbeat, and a replica that dies loses its lines to the others after the
/// visibility timeout. A line with a result is never run again, and its result is written once.
///
/// Keeps up to `concurrency` lines in flight: enough for the engine's offline share of every
/// step to stay full, few enough that cancelling a batch, or losing a replica, drops little work.
public actor BatchWorker {
    let jobs: any JobStore
    let pipeline: CompletionPipeline
    let concurrency: Int
    let leaseDuration: Duration
    let pollInterval: Duration
    /// The engine's admission rule seen from outside: true while offline work would be admitted
    /// at once (nothing waits for room). Lines are claimed only then, so a busy replica leaves
    /// them to idle ones.
    let hasIdleCapacity: @Sendable () -> Bool
    let logger: Logger
    /// This process's name on the leases it takes.
    public nonisolated let owner = LineLease.newOwner()
    /// Lines in flight, with their leases and the tasks running them.
    private var inFlight: [LineLease.Key: (lease: LineLease, task: Task<Void, Never>)] = [:]
    private var wakeup: AsyncStream<Void>.Continuation?
    private var tasks: [Task<Void, Never>] = []
    /// Set by `stop`; a pass that was waiting for the store then starts nothing more.
    private var stopped = false
    /// Lines whose result is being written: a renewal that misses one of them found it done,
    /// not taken by another replica.
    private nonisolated let recording = Mutex<Set<LineLease.Key>>([])
    /// Lines stopped here because a renewal found their lease held by no one (or by another).
    public private(set) var leasesLost = 0

    init(jobs: any JobStore, pipeline: CompletionPipeline, configuration: ServerConfiguration,
         hasIdleCapacity: @escaping @Sendable () -> Bool, logger: Logger) {
        self.jobs = jobs
        self.pipeline = pipeline
        concurrency = max(1, configuration.batchConcurrency)
        leaseDuration = configuration.batchLeaseDuration
        pollInterval = configuration.batchPollInterval
        self.hasIdleCapacity = hasIdleCapacity
        self.logger = logger
    }

    /// Starts the loop (it picks up batches left active by an earlier run), the heartbeat, the
    /// poller and, where the store has one, the listener for lines other replicas add.
    func start() {
        guard wakeup == nil, !stopped else { return }
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        wakeup = continuation
        tasks.append(Task { [weak self] in
            for await _ in stream {
                guard let self else { return }
                await self.pass()
            }
        })
        tasks.append(Task { [weak self, pollInterval] in
            while !Task.isCancelled {
                try? await Task.sleep(for: pollInterval)
                await self?.wake()
            }
        })
        tasks.append(Task { [weak self, leaseDuration] in
            while !Task.isCancelled {
                try? await Task.sleep(for: leaseDuration / 3)
                await self?.heartbeat()
            }
        })
        if let arrivals = jobs.lineArrivals() {
            tasks.append(Task { [weak self] in
                for await _ in arrivals { await self?.wake() }
            })
        }
        continuation.yield()
    }

    /// Asks the loop to look at the batches again (a batch was created, cancelled, or a line ended).
    func wake() { wakeup?.yield() }

    /// Stops feeding lines and cancels those in flight; their leases are given back, so the
    /// lines run again (here after a restart, or on another replica at once).
    func stop() async {
        guard !stopped else { return }
        stopped = true
        wakeup?.finish()
        for task in tasks { task.cancel() }
        let leases = inFlight.values.map(\.lease)
        for entry in inFlight.values { entry.task.cancel() }
        inFlight.removeAll()
        do { try await jobs.release(leases) } catch { logger.warning("batch worker: could not give back \(leases.count) leases: \(error)") }
    }

    var linesInFlight: Int { inFlight.count }

    /// One look at every active batch, then claims lines while there is room. Passes run one
    /// at a time (the loop awaits each), but the actor takes other calls while a pass waits for
    /// the store: `finished` may run, and so may `stop`, after which the pass starts nothing.
    private func pass() async {
        do {
            for batch in try await jobs.activeBatches() where !stopped {
                try await advance(batch)
            }
            let room = concurrency - inFlight.count
            guard room > 0, !stopped, hasIdleCapacity() else { return }
            for lease in try await jobs.claimLines(owner: owner, limit: room, duration: leaseDuration) {
                guard !stopped else {
                    try await jobs.release([lease])
                    continue
                }
                inFlight[lease.key] = (lease, Task { [pipeline, jobs, logger] in
                    await Self.run(lease, pipeline: pipeline, jobs: jobs, logger: logger) {
                        self.recording.withLock { _ = $0.insert(lease.key) }
                    }
                    self.finished(lease.key)
                })
            }
        } catch {
            logger.error("batch worker: \(error)")
        }
    }

    /// Moves the batch along its life cycle where this worker can: starts it, finalizes it when
    /// no line is left (another replica may get there first: finalizing twice is harmless), and
    /// drops its lines when it is cancelled.
    private func advance(_ batch: StoredBatch) async throws {
        let mine = inFlight.filter { $0.key.batchID == batch.id }
        switch batch.status {
        case .validating:
            _ = try await jobs.startBatch(id: batch.id)
        case .inProgress:
            guard mine.isEmpty, try await jobs.pendingLineCount(batchID: batch.id) == 0 else { return }
            let done = try await jobs.finalize(batchID: batch.id)
            logger.info("batch \(batch.id) \(done.status.rawValue): \(done.requestCounts.completed) completed, \(done.requestCounts.failed) failed")
        case .cancelling:
            for entry in mine.values { entry.task.cancel() }
            if mine.isEmpty { _ = try await jobs.finalize(batchID: batch.id) }
        case .finalizing:
            _ = try await jobs.finalize(batchID: batch.id)
        default:
            break
        }
    }

    /// Renews every lease this worker holds; lines it no longer holds (another replica took them
    /// after this one stalled past the visibility timeout) stop here, as their results would be
    /// refused anyway.
    private func heartbeat() async {
        guard !inFlight.isEmpty, !stopped else { return }
        // Only the lines in flight before the renewal are judged by it: lines claimed while it
        // was on its way are not in its answer, and stopping them would leave them leased to
        // this replica, renewed and run nowhere until the lease ran out.
        let judged = Set(inFlight.keys)
        do {
            let held = try await jobs.renewLeases(owner: owner, duration: leaseDuration)
            // A line whose result was being written may be done by the time the renewal ran;
            // its task ends by itself (and says so if the result was refused).
            let writing = recording.withLock { $0 }
            for (key, entry) in inFlight where judged.contains(key) && !held.contains(key) && !writing.contains(key) {
                leasesLost += 1
                logger.warning("batch \(key.batchID) line \(key.lineIndex): lease lost, stopping it here")
                entry.task.cancel()
                inFlight[key] = nil
            }
        } catch {
            logger.error("batch worker: could not renew leases: \(error)")
        }
    }

    private func finished(_ key: LineLease.Key) {
        inFlight[key] = nil
        recording.withLock { _ = $0.remove(key) }
        wake()
    }

    /// Runs one line as an offline request through the completion pipeline and records its
    /// result (success or error object) under its lease.
    static func run(_ lease: LineLease, pipeline: CompletionPipeline, jobs: any JobStore, logger: Logger,
                    willRecord: @Sendable () -> Void = {}) async {
        let response: Data?, status: Int, errorBody: Data?
        do {
            let body = try await pipeline.batchLineResponse(to: lease.line.body, at: CompletionPipeline.Endpoint(lease.endpoint))
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
        willRecord()
        do {
            if try await !jobs.complete(lease, response: response, statusCode: status, error: errorBody) {
                logger.info("batch \(lease.batchID) line \(lease.line.index): result not recorded (lease lost, line done, or batch closed)")
            }
        } catch {
            logger.error("batch \(lease.batchID) line \(lease.line.index): could not record the result: \(error)")
        }
    }
}
