import Foundation
import LlamaModel
import Synchronization

/// The background copier of incremental checkpointing (DESIGN §5): after each step the engine
/// hands it the newly filled blocks of offline requests, and one dedicated thread copies them
/// from the KV pool into the checkpoint store while the engine runs the next step.
///
/// The engine calls `waitUntilIdle()` at the start of every step. That barrier is what makes
/// the copies sound: no block the coming step may overwrite is still being read, and every
/// slot the step may restore from is completely written.
///
/// Every enqueued save either completes (counted in `stats`) or is reported by
/// `takeFailures()`, including saves dropped by `stop()`. The thread never `await`s and never
/// spins: it sleeps on a condition variable while there is nothing to copy.
public final class Checkpointer: Sendable {
    /// What the copier has done since it started.
    public struct Stats: Sendable, Equatable {
        public var blocksSaved = 0
        public var bytesSaved = 0
        /// Saves that failed or were dropped by `stop()`.
        public var failedSaves = 0
        /// Time spent inside the store's `save`, failed attempts included.
        public var copyTime: Duration = .zero

        public init() {}
    }

    public let store: any CheckpointStore
    private let copier: CheckpointCopier

    /// Starts the copier thread, which copies blocks of `kv` into `store`.
    public init(store: any CheckpointStore, kv: KVPool) {
        self.store = store
        copier = CheckpointCopier(store: store, kv: kv)
        let thread = Thread { [copier] in copier.run() }
        thread.name = "conserve-checkpointer"
        thread.start()
    }

    /// Stops the thread after the save in progress, so it never outlives its owner.
    deinit {
        copier.stop()
    }

    /// Queues saves of KV blocks into checkpoint slots; they run in order, in the background.
    /// After `stop()`, each is reported at once as failed with `.checkpointerStopped`.
    public func enqueue(_ saves: [(block: Int, slot: Int)]) {
        copier.enqueue(saves)
    }

    /// Returns when every save enqueued so far has finished (or the copier has stopped).
    /// The engine's barrier at the start of each step.
    public func waitUntilIdle() {
        copier.waitUntilIdle()
    }

    /// The saves that failed since the last call, by slot: each listed slot lacks the block
    /// last enqueued for it, even if a later save into it succeeded. Takes them, so each
    /// failure is reported once.
    public func takeFailures() -> [Int: CheckpointError] {
        copier.results.withLock { results in
            defer { results.failures.removeAll() }
            return results.failures
        }
    }

    /// Totals since the checkpointer started.
    public var stats: Stats {
        copier.results.withLock { $0.stats }
    }

    /// Lets the save in progress finish, drops the saves still queued (reporting each as
    /// `.checkpointerStopped`) and returns once the thread has exited, after which the
    /// checkpointer no longer reads the KV pool. Calling it again does nothing. Must not be
    /// called from inside a store's `save`.
    public func stop() {
        copier.stop()
    }
}

/// One block to copy into one slot.
private struct SaveJob: Sendable {
    var block: Int
    var slot: Int
}

/// What the copier reports back to the engine.
private struct CopyResults: Sendable {
    var stats = Checkpointer.Stats()
    var failures: [Int: CheckpointError] = [:]
}

/// The state the engine thread and the copier thread share, and the copier thread's loop.
/// Kept apart from `Checkpointer` so that the thread, which holds this object, does not keep
/// the `Checkpointer` alive: dropping the last reference to it stops the thread.
private final class CheckpointCopier: @unchecked Sendable {
    // @unchecked: `store` and `kv` are immutable. `condition`'s lock guards the queue
    // (`queue`, `queueHead`), `isCopying`, `stopRequested` and `hasExited`. `results` is a
    // Mutex of its own, so reading stats never waits on the queue handshake. Lock order when
    // both are held: `condition`, then `results`.
    let store: any CheckpointStore
    let kv: KVPool
    /// Broadcast when work arrives, when the copier goes idle and when it exits: three
    /// predicates share one condition variable, so every wake-up is a broadcast.
    let condition = NSCondition()
    /// Saves not yet started: `queue[queueHead...]`. A head index instead of removeFirst keeps
    /// taking a job O(1); the array is cleared whenever it drains.
    private var queue: [SaveJob] = []
    private var queueHead = 0
    private var isCopying = false
    private var stopRequested = false
    private var hasExited = false
    let results = Mutex(CopyResults())

    init(store: any CheckpointStore, kv: KVPool) {
        self.store = store
        self.kv = kv
    }

    private var hasQueuedJobs: Bool { queueHead < queue.count }

    func enqueue(_ saves: [(block: Int, slot: Int)]) {
        guard !saves.isEmpty else { return }
        condition.lock()
        defer { condition.unlock() }
        guard !stopRequested else {
            recordDropped(saves.map { SaveJob(block: $0.block, slot: $0.slot) })
            return
        }
        queue.append(contentsOf: saves.lazy.map { SaveJob(block: $0.block, slot: $0.slot) })
        condition.broadcast()
    }

    func waitUntilIdle() {
        condition.lock()
        while !hasExited && (isCopying || hasQueuedJobs) { condition.wait() }
        condition.unlock()
    }

    func stop() {
        condition.lock()
        stopRequested = true
        condition.broadcast()
        while !hasExited { condition.wait() }
        condition.unlock()
    }

    /// The copier thread's body.
    func run() {
        var finishedOne = false
        while let job = nextJob(afterFinishing: finishedOne) {
            let clock = ContinuousClock()
            let start = clock.now
            var failure: CheckpointError?
            do throws(CheckpointError) {
                try store.save(block: job.block, of: kv, into: job.slot)
            } catch {
                failure = error
            }
            let elapsed = start.duration(to: clock.now)
            let bytes = store.bytesPerSlot
            results.withLock { results in
                results.stats.copyTime += elapsed
                if let failure {
                    results.stats.failedSaves += 1
                    results.failures[job.slot] = failure
                } else {
                    results.stats.blocksSaved += 1
                    results.stats.bytesSaved += bytes
                }
            }
            finishedOne = true
        }
    }

    /// Marks the previous job done, then sleeps until there is a job to run (returned) or a
    /// stop request (nil, after dropping what is queued and marking the thread exited).
    private func nextJob(afterFinishing finished: Bool) -> SaveJob? {
        condition.lock()
        defer { condition.unlock() }
        if finished { isCopying = false }
        while true {
            if stopRequested {
                recordDropped(Array(queue[queueHead...]))
                queue.removeAll()
                queueHead = 0
                hasExited = true
                condition.broadcast()
                return nil
            }
            if hasQueuedJobs {
                let job = queue[queueHead]
                queueHead += 1
                if queueHead == queue.count {
                    queue.removeAll(keepingCapacity: true)
                    queueHead = 0
                }
                isCopying = true
                return job
            }
            // Idle: wake anyone in waitUntilIdle, then sleep until work or a stop arrives.
            condition.broadcast()
            condition.wait()
        }
    }

    /// Reports saves that will never run. Called with `condition` held.
    private func recordDropped(_ jobs: [SaveJob]) {
        guard !jobs.isEmpty else { return }
        results.withLock { results in
            results.stats.failedSaves += jobs.count
            for job in jobs { results.failures[job.slot] = .checkpointerStopped }
        }
    }
}
