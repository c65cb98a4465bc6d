@testable import Scheduling
import Testing

@Suite struct ConServePolicyTests {
    let slo = ServiceLevelObjective(ttft: 1.0, tpot: 0.05)

    @Test func conserveFitsOfflineTokensIntoTheTPOTSlack() throws {
        // Step = 10 ms + 1 ms per token; TPOT 50 ms with a 15% margin leaves 42.5 ms: the
        // online decode (1 token) plus at most 31 offline tokens.
        var h = SchedulerHarness(SchedulerHarness.configuration(.conserve, batched: 256))
        h.stepSeconds = 0
        try h.add(1, .online(slo), prompt: prompt(1, length: 8), maxTokens: 20)
        try h.step() // online prefill alone
        try h.add(2, prompt: prompt(2, length: 200), maxTokens: 5)
        let plan = try h.step()
        let offline = plan.chunks.filter { !$0.isOnline }.reduce(0) { $0 + $1.numScheduledTokens }
        #expect(offline == 31)
        #expect(plan.predictedSeconds <= 0.0425 + 1e-9)
        #expect(plan.preemptible == false)

        // The same with fcfs takes the whole token budget.
        var f = SchedulerHarness(SchedulerHarness.configuration(.fcfs, batched: 256))
        try f.add(1, .online(slo), prompt: prompt(1, length: 8), maxTokens: 20)
        try f.step()
        try f.add(2, prompt: prompt(2, length: 200), maxTokens: 5)
        #expect(try f.step().numScheduledTokens == 201)
    }

    @Test func conserveHoldsOfflineWhileOnlineWaitsForFirstToken() throws {
        var h = SchedulerHarness(SchedulerHarness.configuration(.conserve, batched: 64))
        try h.add(1, prompt: prompt(1, length: 100), maxTokens: 5)
        try h.step()
        try h.add(2, .online(slo), prompt: prompt(2, length: 40), maxTokens: 5)
        let plan = try h.step()
        #expect(plan.chunks.map(\.requestID) == [2])
        #expect(plan.numScheduledTokens == 40)
    }

    @Test func onlineStepsAreNotPreemptible() throws {
        var h = SchedulerHarness(SchedulerHarness.configuration(.conserve))
        try h.add(1, .online(slo), prompt: prompt(1, length: 5), maxTokens: 3)
        #expect(try h.step().preemptible == false)
        try h.add(2, prompt: prompt(2, length: 5), maxTokens: 3)
        try h.runUntilIdle()
        #expect(h.plans.last?.preemptible == true)
    }

    /// A decoding online request whose first token came at `first` and `outputs` tokens so far.
    func decoding(_ id: RequestID, tpot: Double, first: Double, outputs: Int) -> ScheduledRequest {
        let request = ScheduledRequest(id: id, serviceClass: .online(.init(ttft: 1, tpot: tpot)), prompt: [1, 2],
                                       stopRules: TokenStopRules(maxTokens: 10), arrival: 0, sequenceNumber: id)
        for i in 0 ..< outputs { request.append(7, now: first + Double(i) * 0.01) }
        return request
    }

    @Test func theTimeBudgetIsTheTightestTPOTSlackLessTheMargin() {
        // At 0.25 s: request 1 (TPOT 100 ms, 3 tokens since 0 s) must emit by 0.30 s: slack 50 ms,
        // less 15 ms of margin. Request 2 (TPOT 200 ms, 1 token at 0.2 s): slack 150 ms, less 30.
        let running = [decoding(1, tpot: 0.1, first: 0, outputs: 3), decoding(2, tpot: 0.2, first: 0.2, outputs: 1)]
        let budget = ConServePolicy.timeBudget(now: 0.25, running: running, onlineWaiting: false, tpotMargin: 0.15, hasModel: true)
        #expect(abs(budget.online - 0.035) < 1e-12)
        #expect(budget.offline == budget.online)
        // An online request waiting for its first token takes the offline share away.
        let waiting = ConServePolicy.timeBudget(now: 0.25, running: running, onlineWaiting: true, tpotMargin: 0.15, hasModel: true)
        #expect(waiting.offline == 0)
        #expect(waiting.online == budget.online)
        // A slack already spent leaves nothing, never a negative budget.
        let late = ConServePolicy.timeBudget(now: 0.5, running: running, onlineWaiting: false, tpotMargin: 0.15, hasModel: true)
        #expect(late.online == 0)
        // No online load, or no latency model: no time limit.
        let offline = ScheduledRequest(id: 3, serviceClass: .offline, prompt: [1], stopRules: TokenStopRules(maxTokens: 4),
                                       arrival: 0, sequenceNumber: 3)
        #expect(ConServePolicy.timeBudget(now: 1, running: [offline], onlineWaiting: false, tpotMargin: 0.15, hasModel: true)
            == ConServePolicy.TimeBudget())
        #expect(ConServePolicy.timeBudget(now: 0.25, running: running, onlineWaiting: true, tpotMargin: 0.15, hasModel: false)
            == ConServePolicy.TimeBudget())
    }

    @Test func waitingOnlineRequestsQueueByTTFTDeadlineAheadOfOffline() throws {
        var h = SchedulerHarness(SchedulerHarness.configuration(.conserve, sequences: 1))
        try h.add(1, prompt: prompt(1, length: 8), maxTokens: 2)
        h.now = 0.1
        try h.add(2, .online(.init(ttft: 2.0, tpot: 0.1)), prompt: prompt(2, length: 8), maxTokens: 2)
        h.now = 0.2
        try h.add(3, .online(.init(ttft: 0.5, tpot: 0.1)), prompt: prompt(3, length: 8), maxTokens: 2)
        // Deadlines 0.7 s (request 3) and 2.1 s (request 2); the offline one comes last.
        #expect(try h.step().chunks.map(\.requestID) == [3])
        try h.runUntilIdle()
        let firstChunks = h.plans.compactMap { $0.chunks.first?.requestID }
        #expect(firstChunks.firstIndex(of: 2)! < firstChunks.firstIndex(of: 1)!)
        h.expectClean()
    }

    @Test func anOnlinePromptGetsTheChunkItsTTFTDeadlineNeeds() {
        // Steps of 10 ms + 1 ms per token beside one decode at context 10. 400 prompt tokens in
        // chunks of 31 (what the TPOT slack allows) take 13 steps of 42 ms: 546 ms.
        let model = LinearStepTime()
        let decode = StepFeatures().adding(newTokens: 1, cachedTokens: 10)
        func chunk(_ timeLeft: Double) -> Int {
            ConServePolicy.deadlineChunk(remaining: 400, cachedTokens: 0, timeLeft: timeLeft, atLeast: 31, limit: 255,
                                         step: decode, model: model)
        }
        #expect(chunk(1.0) == 31)  // in time already: no bigger than the slack allows
        #expect(chunk(0.5) == 50)  // 8 steps of 61 ms = 488 ms; 45 (9 steps of 56 ms) would miss
        #expect(chunk(0.3) == 255) // nothing is in time: finish the prompt as soon as it can
    }

    @Test func theSchedulerSizesAWaitingPromptByItsDeadline() throws {
        func firstChunk(ttft: Double) throws -> Int {
            var h = SchedulerHarness(SchedulerHarness.configuration(.conserve, blocks: 200, batched: 256))
            try h.add(1, .online(.init(ttft: 1, tpot: 0.05)), prompt: prompt(1, length: 8), maxTokens: 50)
            try h.step() // its first token comes at 10 ms
            try h.add(2, .online(.init(ttft: ttft, tpot: 0.05)), prompt: prompt(2, length: 400), maxTokens: 2)
            let plan = try h.step()
            return plan.chunks.first { $0.requestID == 2 }?.numScheduledTokens ?? 0
        }
        // The decode's slack (42.5 ms) leaves 31 tokens; a 500 ms deadline needs chunks of 50.
        #expect(try firstChunk(ttft: 1.0) == 31)
        #expect(try firstChunk(ttft: 0.5) == 50)
    }

    @Test func offlineWorkStopsWhileAnOnlineDecodeIsBehind() throws {
        var h = SchedulerHarness(SchedulerHarness.configuration(.conserve, blocks: 200, batched: 256))
        try h.add(1, .online(.init(ttft: 1, tpot: 0.05)), prompt: prompt(1, length: 8), maxTokens: 100)
        try h.add(2, prompt: prompt(2, length: 8), maxTokens: 100)
        for _ in 0 ..< 5 { try h.step() }
        // 10 ms steps against a 50 ms TPOT: the online request is ahead, and offline runs beside it.
        #expect(try h.step().chunks.contains { !$0.isOnline })
        // A stall (the OS, a long step) puts it behind its mean TPOT: offline sits out until it catches up.
        h.now += 1.0
        let behind = try h.step()
        #expect(behind.chunks.map(\.requestID) == [1])
        #expect(ConServePolicy.timeBudget(now: h.now + 1, running: [h.scheduler.running.first { $0.id == 1 }!], onlineWaiting: false,
                                          tpotMargin: 0.15, hasModel: true).offline == 0)
        h.expectClean()
    }

    @Test func theAblationTurnsLayerPreemptionOff() {
        var configuration = SchedulerHarness.configuration(.conserve)
        #expect(Scheduler(configuration).layerPreemption != nil)
        configuration.layerPreemption = false
        #expect(Scheduler(configuration).layerPreemption == nil)
    }
}
