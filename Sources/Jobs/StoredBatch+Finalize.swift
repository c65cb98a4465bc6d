/// The one rule for finishing a batch, which every store applies inside its own transaction.
extension StoredBatch {
    /// What finalizing does to this batch, given how many of its lines have no result:
    ///
    /// - in_progress or finalizing → completed, once every line has a result;
    /// - cancelling → cancelled, with files for the lines that finished;
    /// - expired → stays expired, with files for the lines that finished.
    ///
    /// Nil when there is nothing to do: the batch is final and its files are written (so
    /// finalizing twice is harmless). Otherwise the store writes the output files, sets their
    /// ids on the returned batch and stores it.
    func finalized(pendingLines: Int, at time: Int) throws(JobStoreError) -> StoredBatch? {
        switch status {
        case .completed, .cancelled:
            return nil
        case .expired:
            return hasOutputFiles ? nil : self
        case .inProgress, .finalizing:
            guard pendingLines == 0 else {
                throw .pendingLinesRemain(batchID: id, count: pendingLines)
            }
            let batch = status == .inProgress ? try transitioned(to: .finalizing, at: time) : self
            return try batch.transitioned(to: .completed, at: time)
        case .cancelling:
            return try transitioned(to: .cancelled, at: time)
        case .validating, .failed:
            // Nothing ran: there is nothing to write. This throws the life-cycle error.
            return try transitioned(to: .finalizing, at: time)
        }
    }
}
