import Engine
import Foundation
import LlamaModel
import Scheduling
import Synchronization
import Testing
import Tokenization

/// The engine through its handle: the step loop on its thread, streams, cancels, stop rules.
@Suite(.serialized, .timeLimit(.minutes(3))) struct EngineHandleTests {
    static func engine(_ configure: (inout EngineConfiguration) -> Void = { _ in }) throws -> EngineHandle {
        var configuration = EngineConfiguration()
        configuration.kvCacheBytes = 64 << 20
        configuration.threads = 2
        configuration.maxNumBatchedTokens = 128
        configuration.maxNumSequences = 8
        configuration.checkpoint = .memory(bytes: 32 << 20)
        configure(&configuration)
        return try EngineHandle(model: EngineTestSupport.model.get(), tokenizer: EngineTestSupport.tokenizer(),
                                configuration: configuration, latencyModel: nil)
    }

    static func collect(_ stream: AsyncThrowingStream<TokenEvent, any Error>) async throws -> [TokenEvent] {
        var events: [TokenEvent] = []
        for try await event in stream { events.append(event) }
        return events
    }

    static func waitUntilIdle(_ engine: EngineHandle) async throws {
        for _ in 0 ..< 500 {
            let s = engine.stats().scheduler
            if s.runningOnline + s.runningOffline + s.waitingOnline + s.waitingOffline == 0 { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("engine did not become idle")
    }

    @Test func concurrentRequestsMatchTheModelAlone() async throws {
        let engine = try Self.engine()
        defer { engine.shutdown() }
        var prompts: [[Int32]] = []
        for i in 0 ..< 4 { prompts.append(try textPrompt(i, minimumTokens: 4 + 10 * i)) }
        let results = try await withThrowingTaskGroup(of: (Int, [TokenEvent]).self) { group in
            for (i, prompt) in prompts.enumerated() {
                var request = GenerationRequest(prompt: prompt, serviceClass: i % 2 == 0 ? .online(nil) : .offline, maxTokens: 8)
                request.ignoreEOS = true
                let stream = try engine.submit(request)
                group.addTask { (i, try await Self.collect(stream)) }
            }
            var all: [Int: [TokenEvent]] = [:]
            for try await (i, events) in group { all[i] = events }
            return all
        }
        for (i, prompt) in prompts.enumerated() {
            let events = results[i]!
            #expect(events.compactMap(\.token) == (try referenceGreedy(prompt, count: 8)), "request \(i)")
            #expect(events.last?.finishReason == .length)
            #expect(events.last?.usage == Usage(promptTokens: prompt.count, completionTokens: 8, cachedTokens: 0))
            #expect(events.dropLast().allSatisfy { $0.finishReason == nil && $0.usage == nil })
        }
        try await Self.waitUntilIdle(engine)
        let stats = engine.stats()
        #expect(stats.integrityViolations.isEmpty)
        #expect(stats.scheduler.kvBlocksUsed == 0)
        #expect(stats.generatedTokens == [16, 16])
    }

    @Test func textIsCutBeforeAStopString() async throws {
        let engine = try Self.engine()
        defer { engine.shutdown() }
        let tokenizer = try EngineTestSupport.tokenizer()
        let prompt = try textPrompt(3)
        let reference = try referenceGreedy(prompt, count: 16)
        let fullText = tokenizer.decode(reference)
        // A stop string from the middle of the reference output.
        let words = fullText.split(separator: " ")
        try #require(words.count >= 4)
        let stop = " " + words[2]
        var request = GenerationRequest(prompt: prompt, maxTokens: 16)
        request.stopStrings = [String(stop)]
        let events = try await Self.collect(try engine.submit(request))
        let text = events.map(\.text).joined()
        #expect(text == String(fullText[..<fullText.range(of: stop)!.lowerBound]))
        #expect(events.last?.finishReason == .stop)
        #expect(events.count < 16)
    }

    @Test func rejectsAtSubmitWhatCannotRun() throws {
        let engine = try Self.engine { $0.maxModelLength = 64 }
        defer { engine.shutdown() }
        let long = GenerationRequest(prompt: Array(repeating: 42, count: 60), maxTokens: 10)
        #expect(throws: EngineError.rejected(.exceedsContext(promptTokens: 60, maxTokens: 10, context: 64))) { try engine.submit(long) }
        #expect(throws: EngineError.rejected(.emptyPrompt)) { try engine.submit(GenerationRequest(prompt: [], maxTokens: 1)) }
        #expect(throws: EngineError.self) { try engine.submit(GenerationRequest(prompt: [-1], maxTokens: 1)) }
        var badSampling = GenerationRequest(prompt: [1, 2], maxTokens: 1)
        badSampling.sampling.temperature = -1
        #expect(throws: EngineError.self) { try engine.submit(badSampling) }
        var badStop = GenerationRequest(prompt: [1, 2], maxTokens: 1)
        badStop.stopStrings = [""]
        #expect(throws: EngineError.self) { try engine.submit(badStop) }
    }

    @Test func cancelAndDroppedStreamsFreeTheirKV() async throws {
        let engine = try Self.engine()
        defer { engine.shutdown() }
        var request = GenerationRequest(prompt: try textPrompt(0, minimumTokens: 40), serviceClass: .offline, maxTokens: 400)
        request.ignoreEOS = true
        let stream = try engine.submit(request)
        var received = 0
        do {
            for try await _ in stream {
                received += 1
                if received == 3 { engine.cancel(request.id) }
            }
            Issue.record("the stream ended without an error")
        } catch let error as EngineError {
            #expect(error == .cancelled)
        }
        #expect(received < 400)

        // A consumer that stops listening cancels its request.
        var second = GenerationRequest(prompt: try textPrompt(1, minimumTokens: 40), maxTokens: 400)
        second.ignoreEOS = true
        let task = Task {
            var n = 0
            for try await _ in try engine.submit(second) {
                n += 1
                if n == 2 { break }
            }
        }
        try await task.value
        try await Self.waitUntilIdle(engine)
        let stats = engine.stats()
        #expect(stats.scheduler.kvBlocksUsed == 0)
        #expect(stats.scheduler.checkpointSlotsUsed == 0)
        #expect(stats.integrityViolations.isEmpty)
    }

    /// A cancel posted while the loop is busy lands in the same batch as its request's arrival;
    /// it must still stop the request (it once ran to its end, unseen, holding its KV blocks).
    @Test func aRequestCancelledAtOnceNeverRuns() async throws {
        let engine = try Self.engine()
        defer { engine.shutdown() }
        var busy = GenerationRequest(prompt: try textPrompt(0, minimumTokens: 40), serviceClass: .offline, maxTokens: 400)
        busy.ignoreEOS = true
        let busyStream = try engine.submit(busy)
        var iterator = busyStream.makeAsyncIterator()
        _ = try await iterator.next() // the loop is stepping now
        for index in 1 ... 6 {
            var request = GenerationRequest(prompt: try textPrompt(index, minimumTokens: 40), maxTokens: 400)
            request.ignoreEOS = true
            let stream = try engine.submit(request)
            engine.cancel(request.id)
            do {
                for try await _ in stream {}
                Issue.record("request \(index): the stream ended without an error")
            } catch let error as EngineError {
                #expect(error == .cancelled)
            }
        }
        _ = try await iterator.next() // a step after every cancel was taken
        let scheduler = engine.stats().scheduler
        #expect(scheduler.runningOnline + scheduler.waitingOnline == 0, "cancelled requests still in the scheduler")
        engine.cancel(busy.id)
        try await Self.waitUntilIdle(engine)
        #expect(engine.stats().scheduler.kvBlocksUsed == 0)
    }

    @Test func promptScoringAndLogprobs() async throws {
        let engine = try Self.engine()
        defer { engine.shutdown() }
        let prompt = try textPrompt(2)
        let scoring = try await Self.collect(try engine.submit(GenerationRequest(prompt: prompt, maxTokens: 0)))
        #expect(scoring.count == 1)
        #expect(scoring.first?.token == nil)
        #expect(scoring.first?.finishReason == .length)
        #expect(scoring.first?.usage?.completionTokens == 0)

        var request = GenerationRequest(prompt: prompt, maxTokens: 4)
        request.topLogprobs = 3
        let events = try await Self.collect(try engine.submit(request))
        for event in events {
            let logprob = try #require(event.logprob)
            #expect(logprob.token == event.token)
            #expect(logprob.top.count == 3)
            #expect(logprob.top.first?.token == event.token) // greedy takes the most likely
            #expect(logprob.logprob <= 0 && logprob.logprob == logprob.top.first?.logprob)
        }
    }
}

/// A step-time model that says every step takes long, so any online arrival during an
/// offline step is predicted to miss its TTFT.
struct PessimisticStepTime: StepTimePredictor {
    func predict(_ features: StepFeatures) -> Double { 1.0 + features.tokens * 0.01 }
}

@Suite(.serialized, .timeLimit(.minutes(3))) struct LayerPreemptionThroughSubmitTests {
    @Test func onlineArrivalAbandonsTheOfflineStepAndTokensStayTheSame() async throws {
        var configuration = EngineConfiguration()
        configuration.kvCacheBytes = 160 << 20
        configuration.threads = 2
        configuration.maxNumBatchedTokens = 256
        configuration.defaultObjective = ServiceLevelObjective(ttft: 0.5, tpot: 5)
        let engine = try EngineHandle(model: EngineTestSupport.model.get(), tokenizer: EngineTestSupport.tokenizer(),
                                      configuration: configuration, latencyModel: PessimisticStepTime())
        defer { engine.shutdown() }
        let offlinePrompt = try textPrompt(1, minimumTokens: 1800)
        var offline = GenerationRequest(prompt: offlinePrompt, serviceClass: .offline, maxTokens: 4)
        offline.ignoreEOS = true
        let offlineStream = try engine.submit(offline)
        let offlineTask = Task { try await EngineHandleTests.collect(offlineStream) }
        // Online requests arrive while offline prefill steps (256 tokens each) run. A plain
        // thread times the arrivals: tasks on the shared cooperative pool may wait seconds
        // for a thread while other suites compute, and the offline work would be done first.
        let onlinePrompt = try textPrompt(4)
        let onlineStreams = Mutex<[AsyncThrowingStream<TokenEvent, any Error>]>([])
        let submitter = Thread {
            func wait(until condition: () -> Bool) {
                for _ in 0 ..< 4000 where !condition() { Thread.sleep(forTimeInterval: 0.005) }
            }
            for _ in 0 ..< 3 where engine.stats().scheduler.counters.preemptions[.layer, default: 0] == 0 {
                wait { engine.stats().scheduler.runningOffline > 0 }
                Thread.sleep(forTimeInterval: 0.03)
                var online = GenerationRequest(prompt: onlinePrompt, maxTokens: 3)
                online.ignoreEOS = true
                guard let stream = try? engine.submit(online) else { return }
                onlineStreams.withLock { $0.append(stream) }
                wait { let s = engine.stats().scheduler; return s.runningOnline + s.waitingOnline == 0 }
            }
        }
        submitter.start()
        while !submitter.isFinished { try await Task.sleep(for: .milliseconds(20)) }
        var onlineTokens: [[Int32]] = []
        for stream in onlineStreams.withLock({ $0 }) {
            onlineTokens.append(try await EngineHandleTests.collect(stream).compactMap(\.token))
        }
        #expect(!onlineTokens.isEmpty)
        let offlineTokens = try await offlineTask.value.compactMap(\.token)
        let stats = engine.stats()
        #expect(stats.scheduler.counters.preemptions[.layer, default: 0] >= 1)
        #expect(!stats.preemptionLatencies.isEmpty)
        #expect(offlineTokens == (try referenceGreedy(offlinePrompt, count: 4)))
        for tokens in onlineTokens { #expect(tokens == (try referenceGreedy(onlinePrompt, count: 3))) }
    }
}
