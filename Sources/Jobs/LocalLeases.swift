import Synchronization

/// The line leases of a store that one process owns (SQLite): which lines are held, by whom,
/// at which attempt. They need no expiry: the only holder is this process, and they vanish
/// with it.
final class LocalLeases: Sendable {
    private struct Held {
        var owner: String
        var attempt: Int
    }

    private let held = Mutex<[LineLease.Key: Held]>([:])
    private let attempts = Mutex<[LineLease.Key: Int]>([:])

    /// Whether the line is held by anyone.
    func isHeld(_ key: LineLease.Key) -> Bool {
        held.withLock { $0[key] != nil }
    }

    /// How many lines of the batch are held.
    func heldCount(batchID: String) -> Int {
        held.withLock { $0.keys.count { $0.batchID == batchID } }
    }

    /// Takes the line for `owner` unless it is held; returns the new attempt number.
    func take(_ key: LineLease.Key, owner: String) -> Int? {
        held.withLock { held -> Int? in
            guard held[key] == nil else { return nil }
            let attempt = attempts.withLock { attempts in
                attempts[key, default: 0] += 1
                return attempts[key]!
            }
            held[key] = Held(owner: owner, attempt: attempt)
            return attempt
        }
    }

    /// The lines `owner` holds.
    func keys(of owner: String) -> Set<LineLease.Key> {
        held.withLock { Set($0.filter { $0.value.owner == owner }.keys) }
    }

    /// Runs `body` (which records the result) only while `lease` is current, and ends the lease
    /// after it; returns nil without running it when the lease is not current.
    func finishing<T>(_ lease: LineLease, _ body: () throws(JobStoreError) -> T) throws(JobStoreError) -> T? {
        let key = lease.key
        // Held across `body`: a release cannot slip in between the check and the write.
        let outcome: Result<T?, JobStoreError> = held.withLock { held in
            guard let current = held[key], current.owner == lease.owner, current.attempt == lease.attempt else {
                return .success(nil)
            }
            let result = Result { () throws(JobStoreError) in try body() }
            if case .success = result { held[key] = nil }
            return result.map { $0 }
        }
        return try outcome.get()
    }

    /// Ends these leases if they are still current.
    func release(_ leases: [LineLease]) {
        held.withLock { held in
            for lease in leases {
                if let current = held[lease.key], current.owner == lease.owner, current.attempt == lease.attempt {
                    held[lease.key] = nil
                }
            }
        }
    }
}
