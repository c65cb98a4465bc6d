import Foundation
import Synchronization

/// Work for `ThreadPool.run`: `run(i)` for each task index. A class the caller keeps and
/// refills between dispatches, so handing work to the pool allocates nothing (a closure
/// would have to be boxed to reach the other threads).
public protocol ParallelTask: AnyObject {
    func run(_ index: Int)
}

/// What the pool points at between dispatches.
private final class IdleTask: ParallelTask {
    func run(_ index: Int) {}
}

/// A persistent pool of worker threads for the forward pass.
///
/// `run` publishes a job by bumping a generation number; threads claim task indices
/// from one atomic word that holds (generation, next task), so a thread that shows up late
/// can never claim a task of a job that has moved on, and the caller waits only for claimed
/// tasks to finish, not for every worker to check in. If a worker is descheduled (the
/// machine is busy), the caller simply runs more tasks itself. A dispatch costs a few atomic
/// operations, not a system call: workers spin for a short while after each job (the next
/// matmul follows within microseconds) and only sleep once the pool has been idle.
public final class ThreadPool: @unchecked Sendable {
    /// Threads that run tasks, the calling thread included.
    public let threadCount: Int

    /// generation << 32 | index of the next unclaimed task.
    private let state = Atomic<UInt64>(0)
    private let taskCount = Atomic<Int>(0)
    private let completed = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    private let liveWorkers = Atomic<Int>(0)
    private let wakeup = NSCondition()
    private var generation: UInt64 = 0

    // Written by the caller before the generation is published (release); read by a thread
    // only after it has claimed a task of that generation (acquire), and the caller does not
    // replace it until every claimed task has completed. unowned(unsafe): the caller keeps the
    // task alive for the whole dispatch, and no reference counting happens on the hot path.
    private nonisolated(unsafe) unowned(unsafe) var current: ParallelTask
    private let idle: ParallelTask = IdleTask()

    /// Spin iterations before an idle worker goes to sleep (on the order of 100 µs).
    private let spinLimit = 100_000

    public init(threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        threadCount = max(1, threads)
        current = idle
        liveWorkers.store(threadCount - 1, ordering: .relaxed)
        for index in 1 ..< threadCount {
            // unowned(unsafe): deinit waits for every worker to leave its loop before memory goes.
            let thread = Thread { [unowned(unsafe) self] in
                self.workerLoop()
                self.liveWorkers.subtract(1, ordering: .releasing)
            }
            thread.name = "conserve-worker-\(index)"
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    deinit {
        stopping.store(true, ordering: .sequentiallyConsistent)
        wakeup.lock()
        wakeup.broadcast()
        wakeup.unlock()
        while liveWorkers.load(ordering: .acquiring) > 0 {}
    }

    /// Runs `task.run(i)` for every `i` in `0..<count` across the pool and returns when all
    /// are done. Tasks must touch disjoint memory. Not reentrant: one caller at a time.
    public func run(_ count: Int, _ task: some ParallelTask) {
        guard count > 0 else { return }
        if threadCount == 1 || count == 1 {
            for i in 0 ..< count { task.run(i) }
            return
        }
        precondition(count < 1 << 32)
        current = task
        taskCount.store(count, ordering: .relaxed)
        completed.store(0, ordering: .relaxed)
        generation += 1
        state.store(generation << 32, ordering: .sequentiallyConsistent)
        if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
            wakeup.lock()
            wakeup.broadcast()
            wakeup.unlock()
        }
        runTasks(of: generation)
        while completed.load(ordering: .acquiring) < count {}
        current = idle
    }

    /// Claims and runs tasks of `generation` until none are left (or the job has moved on).
    private func runTasks(of generation: UInt64) {
        while true {
            var current = state.load(ordering: .acquiring)
            while true {
                guard current >> 32 == generation else { return }
                let count = taskCount.load(ordering: .relaxed)
                guard Int(current & 0xFFFF_FFFF) < count else { return }
                let (exchanged, original) = state.compareExchange(
                    expected: current, desired: current + 1, ordering: .acquiringAndReleasing)
                if exchanged { break }
                current = original
            }
            self.current.run(Int(current & 0xFFFF_FFFF))
            completed.add(1, ordering: .releasing)
        }
    }

    private func workerLoop() {
        var seen: UInt64 = 0
        while true {
            var spins = 0
            while state.load(ordering: .acquiring) >> 32 == seen {
                if stopping.load(ordering: .relaxed) { return }
                spins += 1
                if spins >= spinLimit {
                    wakeup.lock()
                    sleepers.add(1, ordering: .sequentiallyConsistent)
                    while state.load(ordering: .sequentiallyConsistent) >> 32 == seen,
                          !stopping.load(ordering: .sequentiallyConsistent) {
                        wakeup.wait()
                    }
                    sleepers.subtract(1, ordering: .sequentiallyConsistent)
                    wakeup.unlock()
                    spins = 0
                }
            }
            if stopping.load(ordering: .acquiring) { return }
            seen = state.load(ordering: .acquiring) >> 32
            runTasks(of: seen)
        }
    }
}
