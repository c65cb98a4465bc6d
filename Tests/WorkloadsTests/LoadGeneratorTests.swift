import Synchronization
import Testing
@testable import Workloads

/// A target that "generates" one token every `tokenSeconds`, and counts requests in flight.
final class ScriptedTarget: LoadTarget {
    let tokenSeconds: Double
    let inFlight = Mutex((online: 0, offline: 0, maxOffline: 0))

    init(tokenSeconds: Double) { self.tokenSeconds = tokenSeconds }

    func send(_ request: WorkloadRequest, clock: RunClock) async -> RequestRecord {
        var record = RequestRecord(workClass: request.workClass, sent: clock.now(), promptTokens: request.promptTokens,
                                   requestedOutputTokens: request.maxTokens)
        inFlight.withLock {
            if request.workClass == .offline {
                $0.offline += 1
                $0.maxOffline = max($0.maxOffline, $0.offline)
            }
        }
        defer { inFlight.withLock { if request.workClass == .offline { $0.offline -= 1 } } }
        for _ in 0 ..< request.maxTokens {
            do { try await Task.sleep(for: .seconds(tokenSeconds)) } catch { return record }
            record.tokenTimes.append(clock.now())
        }
        record.finished = clock.now()
        return record
    }
}

@Suite(.serialized) struct LoadGeneratorTests {
    func request(_ workClass: WorkClass, tokens: Int) -> WorkloadRequest {
        WorkloadRequest(workClass: workClass, text: "x", promptTokens: 1, maxTokens: tokens, ignoreEOS: true)
    }

    @Test func onlineArrivesOnScheduleAndOfflineStaysAtItsConcurrency() async {
        let online = [0.0, 0.3, 0.6, 0.9].map { TimedRequest(arrival: $0, request: request(.online, tokens: 3)) }
        // Offline jobs take about half a second (10 tokens, 50 ms apart): each of the 3 workers
        // finishes several in the 3 s window and is cut in its last. (The window is long
        // because other suites can hold the cooperative pool for a second while they load.)
        let plan = LoadPlan(online: online, offline: [request(.offline, tokens: 10)], offlineConcurrency: 3, duration: 3)
        let target = ScriptedTarget(tokenSeconds: 0.05)
        let records = await LoadGenerator.run(plan, target: target)

        let onlineRecords = records.filter { $0.workClass == .online }.sorted { $0.sent < $1.sent }
        #expect(onlineRecords.count == 4)
        for (record, arrival) in zip(onlineRecords, [0.0, 0.3, 0.6, 0.9]) {
            // Never early; late only by what a busy test machine's task scheduling adds.
            #expect(record.sent >= arrival && record.sent < arrival + 2, "sent at \(record.sent), due at \(arrival)")
            #expect(record.outputTokens == 3 && record.finished != nil)
        }
        let offline = records.filter { $0.workClass == .offline }
        #expect(target.inFlight.withLock { $0.maxOffline } == 3)
        #expect(offline.allSatisfy { $0.sent < 3 && $0.error == nil })
        let cut = offline.filter { $0.finished == nil }
        // Timing on a loaded machine can shift a job across the end, so the counts get slack.
        #expect((1 ... 3).contains(cut.count))
        #expect(offline.count - cut.count >= 3)
        #expect(cut.allSatisfy { $0.outputTokens < 10 })
    }

    @Test func offlineBatchesArriveOnTheirInterval() async {
        var plan = LoadPlan(online: [], offline: [request(.offline, tokens: 1)], offlineConcurrency: 8, duration: 1.0)
        plan.offlineBatches = (size: 2, interval: 0.4)
        let records = await LoadGenerator.run(plan, target: ScriptedTarget(tokenSeconds: 0.01))
        // Batches at 0, 0.4 and 0.8 s: six jobs at most (a starved test machine may wake a
        // worker after the end), each sent no earlier than its batch.
        let sent = records.map(\.sent).sorted()
        #expect((2 ... 6).contains(sent.count))
        for (index, time) in sent.enumerated() { #expect(time >= Double(index / 2) * 0.4 - 0.001) }
    }

    @Test func theDrainTimeoutCutsOnlineRequestsThatNeverEnd() async {
        var plan = LoadPlan(online: [TimedRequest(arrival: 0, request: request(.online, tokens: 10_000))], offline: [],
                            offlineConcurrency: 0, duration: 0.1)
        plan.drainTimeout = 0.3
        let clock = RunClock()
        let records = await LoadGenerator.run(plan, target: ScriptedTarget(tokenSeconds: 0.01), clock: clock)
        // Cut after 0.4 s, long before its 100 s of tokens (slack for a busy machine).
        #expect(clock.now() < 10)
        #expect(records.count == 1 && records[0].finished == nil)
    }
}

@Suite struct SSEParserTests {
    @Test func chunksSplitAnywhereGiveOneTokenPerTextChunkAndTheUsage() {
        let stream = """
            data: {"choices":[{"index":0,"text":"Hel"}]}\n
            data: {"choices":[{"index":0,"text":""}]}\n
            data: {"choices":[{"index":0,"text":"lo"}]}\n
            data: {"choices":[],"usage":{"prompt_tokens":7,"completion_tokens":2,"total_tokens":9}}\n
            data: [DONE]\n

            """
        for cut in [1, 5, 17, 40, stream.count - 1] {
            var parser = SSEParser()
            let events = parser.feed(String(stream.prefix(cut))) + parser.feed(String(stream.dropFirst(cut)))
            #expect(events == [.token, .token, .usage(prompt: 7, completion: 2), .done], "cut at \(cut)")
        }
    }

    @Test func anErrorEventIsReported() {
        var parser = SSEParser()
        #expect(parser.feed("data: {\"error\":{\"message\":\"boom\"}}\n\n") == [.error("boom")])
    }
}
