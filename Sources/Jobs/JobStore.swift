import Foundation

/// Files and batch jobs as the server reaches them, whoever holds them: `AsyncJobStore` (SQLite,
/// one machine, the default) or `PostgresJobStore` (one database shared by replicas).
///
/// Batch lines are run under leases: a worker claims lines (`claimLines`), keeps them by
/// heartbeat (`renewLeases`) and records each result with `complete`, which is fenced: it
/// writes only while the lease it names (owner and attempt) is still the line's current one,
/// and a line has at most one result, so a line run twice (a worker presumed dead that was
/// only slow) is never written twice.
public protocol JobStore: Sendable {
    // MARK: Files (OpenAI's Files API)

    func createFile(filename: String, purpose: String, content: Data) async throws(JobStoreError) -> StoredFile
    func file(id: String) async throws(JobStoreError) -> StoredFile?
    func fileContent(id: String) async throws(JobStoreError) -> Data?
    func files(purpose: String?, limit: Int, after: String?, order: ListOrder) async throws(JobStoreError) -> [StoredFile]
    /// False if there was no such file.
    func deleteFile(id: String) async throws(JobStoreError) -> Bool

    // MARK: Batches (OpenAI's Batch API), with the life cycle of `BatchStatus`

    /// A batch in status `validating` with its lines, in one transaction.
    func createBatch(endpoint: BatchEndpoint, inputFileID: String, completionWindow: String, metadata: [String: String]?,
                     lines: [BatchLine]) async throws(JobStoreError) -> StoredBatch
    func startBatch(id: String) async throws(JobStoreError) -> StoredBatch
    func failBatch(id: String, errors: [BatchInputError]) async throws(JobStoreError) -> StoredBatch
    func cancelBatch(id: String) async throws(JobStoreError) -> StoredBatch
    func batch(id: String) async throws(JobStoreError) -> StoredBatch?
    /// Newest first, at most `limit`, after the batch whose id is `after`.
    func batches(limit: Int, after: String?) async throws(JobStoreError) -> [StoredBatch]
    /// Batches some worker still has to act on, oldest first.
    func activeBatches() async throws(JobStoreError) -> [StoredBatch]
    /// Lines of the batch without a result (leased or not).
    func pendingLineCount(batchID: String) async throws(JobStoreError) -> Int
    /// Writes the output and error files and moves the batch to its final status (see `SQLiteJobStore.finalize`).
    func finalize(batchID: String) async throws(JobStoreError) -> StoredBatch

    // MARK: Leases on batch lines

    /// Leases up to `limit` lines without a result and without a live lease, of batches in
    /// progress, oldest batch first and in line order, to `owner` for `duration`.
    func claimLines(owner: String, limit: Int, duration: Duration) async throws(JobStoreError) -> [LineLease]
    /// Extends every lease `owner` still holds by `duration`; returns the lines it still holds
    /// (a line missing from the answer was taken by another worker: stop running it).
    func renewLeases(owner: String, duration: Duration) async throws(JobStoreError) -> Set<LineLease.Key>
    /// Records the line's result if `lease` is still the line's current lease; returns false
    /// (and writes nothing) if it is not, or if the line already has a result.
    func complete(_ lease: LineLease, response: Data?, statusCode: Int, error: Data?) async throws(JobStoreError) -> Bool
    /// Gives leases back unfinished (a worker stopping), so other workers may take the lines at once.
    func release(_ leases: [LineLease]) async throws(JobStoreError)
    /// Ticks when lines may have become claimable elsewhere (another replica started a batch);
    /// nil when the store has no such signal and workers rely on polling alone.
    func lineArrivals() -> AsyncStream<Void>?
}
