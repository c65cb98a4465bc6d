/// `ecoserve` (EcoServe, arXiv 2411.06364), on the same loop as the other policies:
///   - generation tasks (decoding requests) go into each step before prompt tasks, grouped
///     by predicted remaining length so requests that will finish together run together;
///   - each request's output length is predicted at admission (`OutputLengthPredictor`), and
///     admission reserves KV for its prompt plus that prediction, leaving a shared reserve
///     that no admission promises;
///   - a request whose reservation does not fit may borrow blocks that a long request has
///     reserved but will not write before the borrower is predicted to finish; when the lender
///     needs them, the loan is moved to free blocks or the borrower is preempted;
///   - waiting requests are admitted least SLO slack first, then those that held more KV
///     (a preempted request's prefix may still be cached), then shortest predicted job.
extension Scheduler {
    /// Blocks admission never promises: the shared reserve requests overrun into.
    var reserveBlocks: Int { Int(Double(configuration.blockCount) * configuration.kvReserveFraction) }

    /// Free blocks not promised to any running request.
    public var unpromisedFreeBlocks: Int { kv.pool.freeCount - running.reduce(0) { $0 + $1.outstandingBlocks } }

    /// Predicted output tokens still to come.
    func predictedRemainingOutput(_ request: ScheduledRequest) -> Int {
        max(0, (request.predictedOutputTokens ?? request.stopRules.maxTokens) - request.numOutputTokens)
    }

    /// Steps until `request` is predicted to finish: its prompt in full-budget chunks, then one
    /// step per predicted output token.
    func predictedSteps(_ request: ScheduledRequest) -> Int {
        let prompt = max(0, request.numPromptTokens - request.numComputedTokens)
        let budget = configuration.maxNumBatchedTokens
        return (prompt + budget - 1) / budget + predictedRemainingOutput(request)
    }

    /// Running requests in step order: generation tasks, online first, by predicted remaining
    /// length (power-of-two buckets); then prompt tasks, online first, in admission order.
    func ecoServeRunningOrder() -> [ScheduledRequest] {
        func lengthBucket(_ r: ScheduledRequest) -> Int {
            let remaining = max(predictedRemainingOutput(r), 1)
            return remaining.bitWidth - remaining.leadingZeroBitCount
        }
        return running.sorted { a, b in
            if a.isDecoding != b.isDecoding { return a.isDecoding }
            if a.isOnline != b.isOnline { return a.isOnline }
            if a.isDecoding, lengthBucket(a) != lengthBucket(b) { return lengthBucket(a) < lengthBucket(b) }
            return a.sequenceNumber < b.sequenceNumber
        }
    }

    /// Admission order: least TTFT slack first (offline has none to lose), then more KV once
    /// computed, then the shortest predicted job.
    func ecoServeAdmitsBefore(_ a: ScheduledRequest, _ b: ScheduledRequest, now: Double) -> Bool {
        let slackA = a.ttftDeadline.map { $0 - now } ?? .infinity
        let slackB = b.ttftDeadline.map { $0 - now } ?? .infinity
        if slackA != slackB { return slackA < slackB }
        if a.numEverComputedTokens != b.numEverComputedTokens { return a.numEverComputedTokens > b.numEverComputedTokens }
        let jobA = a.numRemainingTokens + predictedRemainingOutput(a), jobB = b.numRemainingTokens + predictedRemainingOutput(b)
        if jobA != jobB { return jobA < jobB }
        return a.sequenceNumber < b.sequenceNumber
    }

    /// Admits waiting requests whose prompt plus predicted output fits in unpromised KV
    /// (less the reserve), or in a loan. An online request that fits neither preempts offline
    /// work (by recompute) until it does. Stops at the first that cannot be admitted.
    func ecoServeAdmitWaiting(into draft: inout PlanDraft, now: Double) {
        let candidates = waiting.sorted { ecoServeAdmitsBefore($0, $1, now: now) }
        for request in candidates where draft.tokensLeft > 0 {
            if request.predictedOutputTokens == nil {
                request.predictedOutputTokens = lengthPredictor.predict(
                    promptTokens: request.numPromptTokens, online: request.isOnline, maxTokens: request.stopRules.maxTokens)
            }
            let positions = min(request.numTokens + predictedRemainingOutput(request), configuration.maxModelLength)
            let need = kv.blocksNeeded(forTokens: positions)
            var lender: ScheduledRequest?
            while true {
                if running.count < configuration.maxNumSequences {
                    if need <= unpromisedFreeBlocks - reserveBlocks { break }
                    // Alone, a request bigger than the pool less the reserve runs anyway (it
                    // would otherwise wait forever).
                    if running.isEmpty, need <= kv.pool.freeCount { break }
                    lender = findLender(for: request, blocks: need)
                    if lender != nil { break }
                }
                guard request.isOnline, evictOffline(from: &draft) else { return }
            }
            request.reservedBlocks = need
            if let lender {
                lender.lentBlocks += need
                request.lender = lender
                request.borrowedBlocks = need
            }
            guard tryAdmit(request, draft: &draft, budget: TimeBudget()) == .admitted else {
                releaseReservation(of: request)
                return
            }
            if lender != nil { counters.kvLoans += 1 }
        }
    }

    /// A running request with at least `blocks` promised but unwritten blocks that it will
    /// not need before `request` is predicted to finish (one position per step).
    func findLender(for request: ScheduledRequest, blocks: Int) -> ScheduledRequest? {
        let steps = predictedSteps(request)
        return running
            .filter { $0.lender == nil && $0.outstandingBlocks >= blocks }
            .sorted { $0.outstandingBlocks > $1.outstandingBlocks }
            .first { lender in
                let keeps = lender.reservedBlocks - lender.lentBlocks - blocks
                return keeps * kv.blockSize - lender.numTokens >= steps
            }
    }

    /// Before each step: a loan whose lender is about to write into the lent blocks (or whose
    /// borrower has outgrown it) moves to unpromised free blocks when there are enough, and
    /// otherwise its borrower is preempted by recompute.
    func settleLoans() {
        for borrower in running where borrower.lender != nil {
            let lender = borrower.lender!
            guard lender.phase == .running else {
                releaseLoan(of: borrower)
                continue
            }
            let lenderNeeds = lender.numTokens + 1 > (lender.reservedBlocks - lender.lentBlocks) * kv.blockSize
            let borrowerOverruns = borrower.numTokens + 1 > borrower.borrowedBlocks * kv.blockSize
            guard lenderNeeds || borrowerOverruns else { continue }
            if unpromisedFreeBlocks >= borrower.borrowedBlocks {
                releaseLoan(of: borrower)
                counters.kvLoanMoves += 1
            } else {
                preempt(borrower, kind: .recompute)
                counters.kvLoanPreemptions += 1
            }
        }
    }

    /// Ends `request`'s loan, if it has one: the blocks it holds become its own promise.
    func releaseLoan(of request: ScheduledRequest) {
        guard let lender = request.lender else { return }
        lender.lentBlocks -= request.borrowedBlocks
        request.lender = nil
        request.borrowedBlocks = 0
    }

    /// Drops everything `request` had promised or borrowed (it leaves the running set). Loans
    /// it made end: its borrowers keep their blocks as their own.
    func releaseReservation(of request: ScheduledRequest) {
        releaseLoan(of: request)
        if request.lentBlocks > 0 {
            for borrower in requests.values where borrower.lender === request { releaseLoan(of: borrower) }
        }
        request.reservedBlocks = 0
        request.lentBlocks = 0
    }

    /// Loan bookkeeping against the requests: every lender running and lending exactly what
    /// its borrowers hold; nil when consistent.
    func loanViolation() -> String? {
        var lent: [RequestID: Int] = [:]
        for request in requests.values {
            guard let lender = request.lender else { continue }
            guard request.phase == .running, lender.phase == .running else {
                return "loan of request \(request.id) from \(lender.id) outlives one of them"
            }
            lent[lender.id, default: 0] += request.borrowedBlocks
        }
        for request in requests.values where request.lentBlocks != (lent[request.id] ?? 0) {
            return "request \(request.id) lent \(request.lentBlocks) blocks, its borrowers hold \(lent[request.id] ?? 0)"
        }
        return nil
    }
}
