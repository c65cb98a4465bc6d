import Foundation

/// The SQLite store behind the `JobStore` protocol: each call runs on the store's queues.
extension AsyncJobStore: JobStore {
    public func createFile(filename: String, purpose: String, content: Data) async throws(JobStoreError) -> StoredFile {
        try await write { store throws(JobStoreError) in try store.createFile(filename: filename, purpose: purpose, content: content) }
    }

    public func file(id: String) async throws(JobStoreError) -> StoredFile? {
        try await read { store throws(JobStoreError) in try store.file(id: id) }
    }

    public func fileContent(id: String) async throws(JobStoreError) -> Data? {
        try await read { store throws(JobStoreError) in try store.fileContent(id: id) }
    }

    public func files(purpose: String?, limit: Int, after: String?, order: ListOrder) async throws(JobStoreError) -> [StoredFile] {
        try await read { store throws(JobStoreError) in try store.files(purpose: purpose, limit: limit, after: after, order: order) }
    }

    public func deleteFile(id: String) async throws(JobStoreError) -> Bool {
        try await write { store throws(JobStoreError) in try store.deleteFile(id: id) }
    }

    public func createBatch(endpoint: BatchEndpoint, inputFileID: String, completionWindow: String,
                            metadata: [String: String]?, lines: [BatchLine]) async throws(JobStoreError) -> StoredBatch {
        try await write { store throws(JobStoreError) in
            try store.createBatch(endpoint: endpoint, inputFileID: inputFileID, completionWindow: completionWindow,
                                  metadata: metadata, lines: lines)
        }
    }

    public func startBatch(id: String) async throws(JobStoreError) -> StoredBatch {
        try await write { store throws(JobStoreError) in try store.startBatch(id: id) }
    }

    public func failBatch(id: String, errors: [BatchInputError]) async throws(JobStoreError) -> StoredBatch {
        try await write { store throws(JobStoreError) in try store.failBatch(id: id, errors: errors) }
    }

    public func cancelBatch(id: String) async throws(JobStoreError) -> StoredBatch {
        try await write { store throws(JobStoreError) in try store.cancelBatch(id: id) }
    }

    public func batch(id: String) async throws(JobStoreError) -> StoredBatch? {
        try await read { store throws(JobStoreError) in try store.batch(id: id) }
    }

    public func batches(limit: Int, after: String?) async throws(JobStoreError) -> [StoredBatch] {
        try await read { store throws(JobStoreError) in try store.batches(limit: limit, after: after) }
    }

    public func activeBatches() async throws(JobStoreError) -> [StoredBatch] {
        try await read { store throws(JobStoreError) in try store.activeBatches() }
    }

    public func pendingLineCount(batchID: String) async throws(JobStoreError) -> Int {
        try await read { store throws(JobStoreError) in try store.pendingLineCount(batchID: batchID) }
    }

    public func finalize(batchID: String) async throws(JobStoreError) -> StoredBatch {
        try await write { store throws(JobStoreError) in try store.finalize(batchID: batchID) }
    }

    /// Pending lines of batches in progress, oldest batch first, skipping lines held.
    public func claimLines(owner: String, limit: Int, duration: Duration) async throws(JobStoreError) -> [LineLease] {
        guard limit > 0 else { return [] }
        let leases = self.leases
        return try await read { store throws(JobStoreError) in
            var claimed: [LineLease] = []
            for batch in try store.activeBatches() where batch.status == .inProgress && claimed.count < limit {
                let wanted = leases.heldCount(batchID: batch.id) + limit - claimed.count
                for line in try store.pendingLines(batchID: batch.id, limit: wanted) where claimed.count < limit {
                    let key = LineLease.Key(batchID: batch.id, lineIndex: line.index)
                    guard let attempt = leases.take(key, owner: owner) else { continue }
                    let lease = LineLease(batchID: batch.id, endpoint: batch.endpoint, line: line, owner: owner, attempt: attempt)
                    // The line was pending in the snapshot that listed it, but its result may have
                    // been committed (and its lease ended) since: a fresh read after `take` sees it.
                    if try store.hasResult(batchID: batch.id, lineIndex: line.index) {
                        leases.release([lease])
                        continue
                    }
                    claimed.append(lease)
                }
            }
            return claimed
        }
    }

    /// Local leases do not expire: renewing only reports what `owner` holds.
    public func renewLeases(owner: String, duration: Duration) async throws(JobStoreError) -> Set<LineLease.Key> {
        leases.keys(of: owner)
    }

    public func complete(_ lease: LineLease, response: Data?, statusCode: Int, error: Data?) async throws(JobStoreError) -> Bool {
        let leases = self.leases
        return try await write { store throws(JobStoreError) in
            try leases.finishing(lease) { () throws(JobStoreError) in
                try store.recordResult(batchID: lease.batchID, lineIndex: lease.line.index, response: response,
                                       statusCode: statusCode, error: error)
            } ?? false
        }
    }

    public func release(_ leases: [LineLease]) async throws(JobStoreError) {
        self.leases.release(leases)
    }

    /// One process, one worker: it wakes itself.
    public func lineArrivals() -> AsyncStream<Void>? { nil }
}
