/// `ecoserve` (EcoServe, arXiv 2411.06364), on the same step loop as the other policies:
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
final class EcoServePolicy: Policy {
    /// What admission promised a running request, and what it lent or borrowed of that.
    struct Reservation {
        /// Blocks promised at admission: its prompt plus predicted output.
        var reservedBlocks = 0
        /// Of those, blocks lent to shorter requests.
        var lentBlocks = 0
        /// The request whose promise this one runs in, and how many blocks of it.
        var lender: RequestID?
        var borrowedBlocks = 0
    }

    let maxNumBatchedTokens: Int
    let maxNumSequences: Int
    let maxModelLength: Int
    /// Blocks admission never promises: the shared reserve requests overrun into.
    let reserveBlocks: Int
    /// Output lengths of finished requests, and how well they were predicted.
    private(set) var predictor: OutputLengthPredictor
    /// Output tokens predicted at a request's first admission, kept until it is retired.
    private(set) var predictions: [RequestID: Int] = [:]
    /// Running requests' promises.
    private(set) var reservations: [RequestID: Reservation] = [:]

    var separatesClasses: Bool { true }

    init(_ configuration: SchedulerConfiguration) {
        maxNumBatchedTokens = configuration.maxNumBatchedTokens
        maxNumSequences = configuration.maxNumSequences
        maxModelLength = configuration.maxModelLength
        reserveBlocks = Int(Double(configuration.blockCount) * configuration.kvReserveFraction)
        predictor = OutputLengthPredictor(quantile: configuration.predictionQuantile)
    }

    // MARK: - Predictions

    /// Promised blocks not yet taken: what admission must leave free for `request`.
    func outstandingBlocks(_ request: ScheduledRequest) -> Int {
        guard let r = reservations[request.id] else { return 0 }
        return max(0, r.reservedBlocks - r.lentBlocks - request.blockTable.count)
    }

    /// Free blocks not promised to any running request.
    func unpromisedFreeBlocks(_ scheduler: Scheduler) -> Int {
        scheduler.kv.pool.freeCount - scheduler.running.reduce(0) { $0 + outstandingBlocks($1) }
    }

    /// Predicted output tokens still to come.
    func predictedRemainingOutput(_ request: ScheduledRequest) -> Int {
        max(0, (predictions[request.id] ?? request.stopRules.maxTokens) - request.numOutputTokens)
    }

    /// Steps until `request` is predicted to finish: its prompt in full-budget chunks, then one
    /// step per predicted output token.
    func predictedSteps(_ request: ScheduledRequest) -> Int {
        let prompt = max(0, request.numPromptTokens - request.numComputedTokens)
        return (prompt + maxNumBatchedTokens - 1) / maxNumBatchedTokens + predictedRemainingOutput(request)
    }

    // MARK: - Order

    /// Generation tasks, online first, by predicted remaining length (power-of-two buckets);
    /// then prompt tasks, online first, in admission order.
    func runningOrder(_ running: [ScheduledRequest]) -> [ScheduledRequest] {
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
    func admitsBefore(_ a: ScheduledRequest, _ b: ScheduledRequest, now: Double) -> Bool {
        let slackA = a.ttftDeadline.map { $0 - now } ?? .infinity
        let slackB = b.ttftDeadline.map { $0 - now } ?? .infinity
        if slackA != slackB { return slackA < slackB }
        if a.numEverComputedTokens != b.numEverComputedTokens { return a.numEverComputedTokens > b.numEverComputedTokens }
        let jobA = a.numRemainingTokens + predictedRemainingOutput(a), jobB = b.numRemainingTokens + predictedRemainingOutput(b)
        if jobA != jobB { return jobA < jobB }
        return a.sequenceNumber < b.sequenceNumber
    }

    /// Borrowers first: they are short, and their blocks belong to a lender.
    func victim(among running: [ScheduledRequest], onlyOffline: Bool) -> ScheduledRequest? {
        let borrowers = running.filter { reservations[$0.id]?.lender != nil && !$0.isOnline }
        return borrowers.max(by: { $0.sequenceNumber < $1.sequenceNumber })
            ?? youngestVictim(among: running, onlyOffline: onlyOffline)
    }

    // MARK: - Admission

    /// Settles loans before anything is scheduled.
    func beginStep(now: Double, scheduler: Scheduler) {
        settleLoans(scheduler)
    }

    /// Admits waiting requests whose prompt plus predicted output fits in unpromised KV
    /// (less the reserve), or in a loan. An online request that fits neither preempts offline
    /// work (by recompute) until it does. Stops at the first that cannot be admitted.
    func admitWaiting(into draft: inout Scheduler.PlanDraft, now: Double, scheduler: Scheduler) {
        let candidates = scheduler.waiting.sorted { admitsBefore($0, $1, now: now) }
        for request in candidates where draft.tokensLeft > 0 {
            if predictions[request.id] == nil {
                predictions[request.id] = predictor.predict(
                    promptTokens: request.numPromptTokens, online: request.isOnline, maxTokens: request.stopRules.maxTokens)
            }
            let positions = min(request.numTokens + predictedRemainingOutput(request), maxModelLength)
            let need = scheduler.kv.blocksNeeded(forTokens: positions)
            var lender: ScheduledRequest?
            while true {
                if scheduler.running.count < maxNumSequences {
                    if need <= unpromisedFreeBlocks(scheduler) - reserveBlocks { break }
                    // Alone, a request bigger than the pool less the reserve runs anyway (it
                    // would otherwise wait forever).
                    if scheduler.running.isEmpty, need <= scheduler.kv.pool.freeCount { break }
                    lender = findLender(for: request, blocks: need, scheduler: scheduler)
                    if lender != nil { break }
                }
                guard request.isOnline, scheduler.evictOffline(from: &draft) else { return }
            }
            var reservation = Reservation(reservedBlocks: need)
            if let lender {
                reservations[lender.id, default: Reservation()].lentBlocks += need
                reservation.lender = lender.id
                reservation.borrowedBlocks = need
            }
            reservations[request.id] = reservation
            guard scheduler.tryAdmit(request, draft: &draft) == .admitted else {
                leftRunningSet(request, scheduler: scheduler)
                return
            }
            if lender != nil { scheduler.counters.kvLoans += 1 }
        }
    }

    /// A running request with at least `blocks` promised but unwritten blocks that it will
    /// not need before `request` is predicted to finish (one position per step).
    func findLender(for request: ScheduledRequest, blocks: Int, scheduler: Scheduler) -> ScheduledRequest? {
        let steps = predictedSteps(request)
        return scheduler.running
            .filter { reservations[$0.id]?.lender == nil && outstandingBlocks($0) >= blocks }
            .sorted { outstandingBlocks($0) > outstandingBlocks($1) }
            .first { lender in
                let r = reservations[lender.id]!
                let keeps = r.reservedBlocks - r.lentBlocks - blocks
                return keeps * scheduler.kv.blockSize - lender.numTokens >= steps
            }
    }

    // MARK: - Loans

    /// Before each step: a loan whose lender is about to write into the lent blocks (or whose
    /// borrower has outgrown it) moves to unpromised free blocks when there are enough, and
    /// otherwise its borrower is preempted by recompute.
    func settleLoans(_ scheduler: Scheduler) {
        let blockSize = scheduler.kv.blockSize
        for borrower in scheduler.running {
            guard let loan = reservations[borrower.id], let lenderID = loan.lender else { continue }
            guard let lender = scheduler.request(lenderID), lender.phase == .running, let lent = reservations[lenderID] else {
                releaseLoan(of: borrower.id)
                continue
            }
            let lenderNeeds = lender.numTokens + 1 > (lent.reservedBlocks - lent.lentBlocks) * blockSize
            let borrowerOverruns = borrower.numTokens + 1 > loan.borrowedBlocks * blockSize
            guard lenderNeeds || borrowerOverruns else { continue }
            if unpromisedFreeBlocks(scheduler) >= loan.borrowedBlocks {
                releaseLoan(of: borrower.id)
                scheduler.counters.kvLoanMoves += 1
            } else {
                scheduler.preempt(borrower, kind: .recompute)
                scheduler.counters.kvLoanPreemptions += 1
            }
        }
    }

    /// Ends `id`'s loan, if it has one: the blocks it holds become its own promise.
    func releaseLoan(of id: RequestID) {
        guard let loan = reservations[id], let lender = loan.lender else { return }
        reservations[lender]?.lentBlocks -= loan.borrowedBlocks
        reservations[id]?.lender = nil
        reservations[id]?.borrowedBlocks = 0
    }

    /// Drops everything `request` had promised or borrowed. Loans it made end: its borrowers
    /// keep their blocks as their own.
    func leftRunningSet(_ request: ScheduledRequest, scheduler: Scheduler) {
        releaseLoan(of: request.id)
        if let lent = reservations[request.id]?.lentBlocks, lent > 0 {
            for (id, loan) in reservations where loan.lender == request.id { releaseLoan(of: id) }
        }
        reservations[request.id] = nil
    }

    func retired(_ request: ScheduledRequest, finished: Bool) {
        if finished {
            predictor.observe(promptTokens: request.numPromptTokens, online: request.isOnline,
                              predicted: predictions[request.id], actual: request.numOutputTokens)
        }
        predictions[request.id] = nil
    }

    // MARK: - Checks and reports

    /// Every promise held by a running request, every lender running and lending exactly what
    /// its borrowers hold.
    func integrityViolation(scheduler: Scheduler) -> String? {
        var lent: [RequestID: Int] = [:]
        for (id, reservation) in reservations {
            guard scheduler.request(id)?.phase == .running else { return "request \(id) holds a reservation but is not running" }
            guard let lender = reservation.lender else { continue }
            guard scheduler.request(lender)?.phase == .running, reservations[lender] != nil else {
                return "loan of request \(id) from \(lender) outlives one of them"
            }
            lent[lender, default: 0] += reservation.borrowedBlocks
        }
        for (id, reservation) in reservations where reservation.lentBlocks != (lent[id] ?? 0) {
            return "request \(id) lent \(reservation.lentBlocks) blocks, its borrowers hold \(lent[id] ?? 0)"
        }
        return nil
    }

    func report(into snapshot: inout SchedulerSnapshot) {
        snapshot.prediction = predictor.accuracy
    }
}
