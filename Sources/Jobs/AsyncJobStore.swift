import Dispatch

/// The SQLite job store as async code must use it: every call runs on a dispatch queue of the
/// store's own, never on Swift's cooperative thread pool, and the calling task is suspended
/// until it is done.
///
/// `SQLiteJobStore` is synchronous: each call waits for SQLite, and a write waits for the disk
/// (`synchronous = FULL` syncs the WAL on every commit). The cooperative pool has about one
/// thread per core; a few such waits on it would stall every task of the server, engine
/// streams included.
///
/// Two serial queues, one for calls that only look and one for calls that change the store:
/// libdispatch gives a busy serial queue a thread of its own (a concurrent queue would share
/// the width-limited global pool, which is where Swift's global executor runs on Linux), reads
/// do not wait behind a write's sync (SQLite's WAL lets them run beside it), and writes lose
/// nothing by waiting in line, as SQLite takes one writer at a time anyway.
public struct AsyncJobStore: Sendable {
    private let store: SQLiteJobStore
    private let reads: DispatchQueue
    private let writes: DispatchQueue
    /// The leases of batch lines: in memory, as one machine has one worker, and a lease must
    /// not outlive the process that held it (a restarted server runs its pending lines at once).
    let leases = LocalLeases()

    public init(_ store: SQLiteJobStore) {
        self.store = store
        reads = Self.queue("conserve.jobs.reads")
        writes = Self.queue("conserve.jobs.writes")
    }

    /// Runs `operation`, which only looks at the store (a lookup or a listing).
    public func read<T: Sendable, Failure: Error>(
        _ operation: @escaping @Sendable (SQLiteJobStore) throws(Failure) -> T
    ) async throws(Failure) -> T {
        try await run(operation, on: reads)
    }

    /// Runs `operation`, which changes the store; writes run one at a time, in call order.
    ///
    /// Cancelling the calling task does not stop a write already queued: it commits or fails
    /// as a whole, and the caller learns which unless it has gone away.
    public func write<T: Sendable, Failure: Error>(
        _ operation: @escaping @Sendable (SQLiteJobStore) throws(Failure) -> T
    ) async throws(Failure) -> T {
        try await run(operation, on: writes)
    }

    /// Whether the caller runs on one of the store's queues (for tests).
    static var isOnStoreQueue: Bool { DispatchQueue.getSpecific(key: queueKey) != nil }

    private func run<T: Sendable, Failure: Error>(
        _ operation: @escaping @Sendable (SQLiteJobStore) throws(Failure) -> T, on queue: DispatchQueue
    ) async throws(Failure) -> T {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<T, Failure>, Never>) in
            queue.async { [store] in
                continuation.resume(returning: Result { () throws(Failure) in try operation(store) })
            }
        }
        return try result.get()
    }

    private static let queueKey = DispatchSpecificKey<Bool>()

    private static func queue(_ label: String) -> DispatchQueue {
        let queue = DispatchQueue(label: label)
        queue.setSpecific(key: queueKey, value: true)
        return queue
    }
}
