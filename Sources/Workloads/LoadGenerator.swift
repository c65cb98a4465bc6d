import Synchronization

/// What one run sends: online requests at their arrival times (open loop: they arrive whether
/// or not earlier ones finished), and offline jobs kept in flight (closed loop: a backlog the
/// server always has in hand, or batches that arrive over time).
public struct LoadPlan: Sendable {
    public var online: [TimedRequest]
    /// Offline jobs, taken in order (and again from the start if the run outlasts them).
    public var offline: [WorkloadRequest]
    /// Offline jobs in flight at once.
    public var offlineConcurrency: Int
    /// nil: every offline job is there from the start. Otherwise `size` jobs arrive every
    /// `interval` seconds.
    public var offlineBatches: (size: Int, interval: Double)?
    /// Seconds of arrivals; offline work still running at the end is cut and counts what it did.
    public var duration: Double
    /// Seconds to wait after `duration` for online requests still running.
    public var drainTimeout: Double = 300

    public init(online: [TimedRequest], offline: [WorkloadRequest], offlineConcurrency: Int, duration: Double) {
        self.online = online
        self.offline = offline
        self.offlineConcurrency = offlineConcurrency
        self.duration = duration
    }
}

/// How far a run has got, for a progress line.
public struct LoadProgress: Sendable {
    public var elapsed = 0.0
    public var onlineSent = 0, onlineDone = 0
    public var offlineSent = 0, offlineDone = 0
    public var offlineTokens = 0
}

/// Replays a `LoadPlan` against a `LoadTarget` and returns every request's record.
public enum LoadGenerator {
    public static func run(_ plan: LoadPlan, target: any LoadTarget, clock: RunClock = RunClock(),
                           progress: (@Sendable (LoadProgress) -> Void)? = nil) async -> [RequestRecord] {
        let state = RunState()
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(5))
                guard !Task.isCancelled else { break }
                var snapshot = state.withLock { $0.progress }
                snapshot.elapsed = clock.now()
                progress?(snapshot)
            }
        }
        defer { ticker.cancel() }

        let offline = Task { await runOffline(plan, target: target, clock: clock, state: state) }
        let online = Task {
            await withTaskGroup(of: Void.self) { group in
                for timed in plan.online {
                    try? await clock.sleep(until: timed.arrival)
                    guard !Task.isCancelled else { return }
                    state.withLock { $0.progress.onlineSent += 1 }
                    group.addTask {
                        let record = await target.send(timed.request, clock: clock)
                        state.withLock {
                            $0.records.append(record)
                            $0.progress.onlineDone += 1
                        }
                    }
                }
            }
        }
        try? await clock.sleep(until: plan.duration)
        offline.cancel()
        // Online requests that arrived in the window run to their end, within the drain timeout.
        let watchdog = Task {
            try await Task.sleep(for: .seconds(plan.drainTimeout))
            online.cancel()
        }
        await online.value
        watchdog.cancel()
        await offline.value
        return state.withLock { $0.records }
    }

    struct State {
        var records: [RequestRecord] = []
        var progress = LoadProgress()
        var nextOffline = 0
    }

    /// The state every sending task of a run shares.
    final class RunState: Sendable {
        private let state = Mutex(State())
        func withLock<T>(_ body: (inout State) -> T) -> T { state.withLock { body(&$0) } }
    }

    /// `offlineConcurrency` workers, each sending the next offline job as soon as its last ends.
    static func runOffline(_ plan: LoadPlan, target: any LoadTarget, clock: RunClock, state: RunState) async {
        guard !plan.offline.isEmpty, plan.offlineConcurrency > 0 else { return }
        await withTaskGroup(of: Void.self) { group in
            for _ in 0 ..< plan.offlineConcurrency {
                group.addTask {
                    while !Task.isCancelled {
                        let index = state.withLock { state in
                            defer { state.nextOffline += 1 }
                            return state.nextOffline
                        }
                        if let batches = plan.offlineBatches {
                            // Job `index` arrives with batch index / size.
                            try? await clock.sleep(until: Double(index / max(batches.size, 1)) * batches.interval)
                        }
                        guard !Task.isCancelled, clock.now() < plan.duration else { return }
                        state.withLock { $0.progress.offlineSent += 1 }
                        let record = await target.send(plan.offline[index % plan.offline.count], clock: clock)
                        state.withLock {
                            $0.records.append(record)
                            if record.finished != nil { $0.progress.offlineDone += 1 }
                            $0.progress.offlineTokens += record.tokenTimes.count
                        }
                        // A rejected job would otherwise be retried in a tight loop.
                        if record.error != nil { try? await Task.sleep(for: .milliseconds(100)) }
                    }
                }
            }
        }
    }
}
