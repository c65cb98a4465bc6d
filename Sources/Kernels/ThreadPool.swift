import Foundation
import Synchronization

/// A persistent pool of worker threads for the forward pass.
///
/// `parallelFor` hands out task indices through one atomic counter, so uneven tasks balance
/// themselves and a dispatch costs a few atomic operations, not a system call: workers spin
/// for a short while after each job (the next matmul follows within microseconds) and only
/// sleep on a condition once the pool has been idle, e.g. between engine steps.
public final class ThreadPool: @unchecked Sendable {
    /// Threads that run tasks, the calling thread included.
    public let threadCount: Int

    private let generation = Atomic<Int>(0)
    private let nextTask = Atomic<Int>(0)
    private let busyWorkers = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    private let liveWorkers = Atomic<Int>(0)
    private let wakeup = NSCondition()
    private var workers: [Thread] = []

    // Written by the caller before `generation` is bumped (release), read by workers after
    // they observe the bump (acquire).
    private nonisolated(unsafe) var taskCount = 0
    private nonisolated(unsafe) var job: ((Int) -> Void)?

    /// Spin iterations before an idle worker goes to sleep (on the order of 100 µs).
    private let spinLimit = 200_000

    public init(threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        threadCount = max(1, threads)
        liveWorkers.store(threadCount - 1, ordering: .relaxed)
        for index in 1 ..< threadCount {
            // unowned(unsafe): deinit waits for every worker to leave its loop before memory goes.
            let thread = Thread { [unowned(unsafe) self] in
                self.workerLoop()
                self.liveWorkers.subtract(1, ordering: .releasing)
            }
            thread.name = "conserve-worker-\(index)"
            thread.stackSize = 1 << 20
            workers.append(thread)
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

    /// Runs `body(i)` for every `i` in `0..<count` across the pool and returns when all are done.
    /// Bodies must touch disjoint memory. Not reentrant: one caller at a time.
    public func parallelFor(_ count: Int, _ body: (Int) -> Void) {
        guard count > 0 else { return }
        if threadCount == 1 || count == 1 {
            for i in 0 ..< count { body(i) }
            return
        }
        withoutActuallyEscaping(body) { body in
            job = body
            taskCount = count
            nextTask.store(0, ordering: .relaxed)
            busyWorkers.store(threadCount - 1, ordering: .relaxed)
            generation.add(1, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                wakeup.lock()
                wakeup.broadcast()
                wakeup.unlock()
            }
            runTasks(body, count: count)
            while busyWorkers.load(ordering: .acquiring) > 0 {}
            job = nil
        }
    }

    @inline(__always)
    private func runTasks(_ body: (Int) -> Void, count: Int) {
        while true {
            let i = nextTask.add(1, ordering: .relaxed).oldValue
            if i >= count { return }
            body(i)
        }
    }

    private func workerLoop() {
        var seen = 0
        while true {
            var spins = 0
            while generation.load(ordering: .acquiring) == seen {
                if stopping.load(ordering: .relaxed) { return }
                spins += 1
                if spins >= spinLimit {
                    wakeup.lock()
                    sleepers.add(1, ordering: .sequentiallyConsistent)
                    while generation.load(ordering: .sequentiallyConsistent) == seen,
                          !stopping.load(ordering: .sequentiallyConsistent) {
                        wakeup.wait()
                    }
                    sleepers.subtract(1, ordering: .sequentiallyConsistent)
                    wakeup.unlock()
                    spins = 0
                }
            }
            seen = generation.load(ordering: .acquiring)
            if stopping.load(ordering: .acquiring) { return }
            if let job { runTasks(job, count: taskCount) }
            busyWorkers.subtract(1, ordering: .releasing)
        }
    }
}
