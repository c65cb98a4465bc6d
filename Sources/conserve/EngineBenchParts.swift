import Engine
import Foundation
import LlamaModel
import Scheduling
import Synchronization
import Tokenization

/// The measurements behind `conserve bench engine`, one function per figure.
enum EngineBenchParts {
    static let clock = ContinuousClock()

    static func time(_ body: () throws -> Void) rethrows -> Double {
        let start = clock.now
        try body()
        return (clock.now - start).inSeconds
    }

    /// Token ids spread over the vocabulary, the same on every run.
    static func syntheticTokens(_ count: Int, vocabulary: Int, seed: UInt64) -> [Int32] {
        var rng = RandomGenerator(seed: seed)
        return (0 ..< count).map { _ in Int32(rng.next() % UInt64(vocabulary)) }
    }

    // MARK: - Latency model

    /// A fresh profile (the standard sweep), fitted on its fit steps, scored on its held-out steps.
    static func latencyModel(model: LoadedModel, threads: Int) throws -> EngineBenchReport.LatencyModelFigures {
        let profile = try LatencyProfiler(model: model, threads: threads).run(.standard)
        let fitted = try LatencyModel.fit(profile.fit)
        return .init(heldOutMAPE: fitted.meanAbsolutePercentageError(profile.heldOut),
                     heldOutMaxAPE: fitted.maxAbsolutePercentageError(profile.heldOut),
                     fitSamples: profile.fit.count, heldOutSamples: profile.heldOut.count, seconds: profile.seconds)
    }

    // MARK: - Preemption latency

    /// Offline prefill steps of 256 tokens, each with the flag raised from another thread at
    /// a random moment; latency = flag raised → `run` returned.
    static func preemption(model: LoadedModel, threads: Int, trials: Int = 60) throws -> EngineBenchReport.PreemptionFigures {
        let tokens = 256
        let forward = try model.makeForwardPass(maxTokens: tokens, maxLogitRows: 1, threads: threads)
        let kv = KVPool(config: model.config, blockCount: tokens / 16 + 1)
        var batch = ForwardBatch()
        batch.add(tokens: syntheticTokens(tokens, vocabulary: model.config.vocabularySize, seed: 1), startPosition: 0,
                  blockTable: 0 ..< Int32(kv.blockCount), logits: .last)
        var stepTimes: [Double] = []
        for _ in 0 ..< 5 { stepTimes.append(try time { try forward.run(batch, kv: kv) }) }
        let step = Array(stepTimes.dropFirst()).median
        let layer = step / Double(model.config.layerCount)
        let signal = PreemptionSignal()
        var latencies: [Double] = []
        var rng = RandomGenerator(seed: 7)
        for _ in 0 ..< trials {
            let delay = step * (0.05 + 0.9 * Double(rng.next() % 10_000) / 10_000)
            let raisedAt = Mutex<ContinuousClock.Instant?>(nil)
            let raiser = Thread {
                Thread.sleep(forTimeInterval: delay)
                raisedAt.withLock { $0 = clock.now }
                signal.raise()
            }
            raiser.start()
            let outcome = try forward.run(batch, kv: kv, preemption: signal)
            let end = clock.now
            while !raiser.isFinished { Thread.sleep(forTimeInterval: 0.0005) }
            signal.clear()
            if case .preempted = outcome, let raised = raisedAt.withLock({ $0 }) { latencies.append((end - raised).inSeconds) }
        }
        let p99 = latencies.quantile(0.99)
        return .init(trials: trials, preempted: latencies.count, stepTokens: tokens, stepSeconds: step, layerSeconds: layer,
                     latencyP50: latencies.median, latencyP99: p99, latencyMax: latencies.max() ?? .nan,
                     p99OverLayer: p99 / layer)
    }

    // MARK: - Resume from checkpoint against recompute

    /// A 2,000-token context: recompute it (chunked prefill) versus restore its saved blocks
    /// and recompute only the tail the engine leaves (the last block, so the step samples).
    static func resume(model: LoadedModel, threads: Int, context: Int = 2000) throws -> EngineBenchReport.ResumeFigures {
        let chunk = 256
        let forward = try model.makeForwardPass(maxTokens: chunk, maxLogitRows: 1, threads: threads)
        let blocks = (context + 15) / 16
        let kv = KVPool(config: model.config, blockCount: 2 * blocks + 1)
        let tokens = syntheticTokens(context, vocabulary: model.config.vocabularySize, seed: 2)
        let original = Array(0 ..< Int32(blocks))
        var batch = ForwardBatch()

        func prefill(from start: Int, table: [Int32]) throws {
            var done = start
            while done < context {
                let n = min(chunk, context - done)
                batch.removeAll()
                batch.add(tokens: tokens[done ..< done + n], startPosition: done, blockTable: table,
                          logits: done + n == context ? .last : .none)
                try forward.run(batch, kv: kv)
                done += n
            }
        }
        _ = try time { try prefill(from: 0, table: original) } // warm up
        var recompute: [Double] = []
        for _ in 0 ..< 3 { recompute.append(try time { try prefill(from: 0, table: original) }) }
        let reference = Array(forward.logits(row: 0))

        // What the scheduler restores: full blocks before the last token; the rest is recomputed.
        let restored = (context - 1) / 16
        let tail = context - restored * 16
        let target = (0 ..< Int32(blocks)).map { Int32(blocks) + $0 }
        let directory = NSTemporaryDirectory() + "conserve-bench-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let stores: [any CheckpointStore] = [
            try MemoryCheckpointStore(budgetBytes: restored * kv.bytesPerBlock, bytesPerSlot: kv.bytesPerBlock),
            try FileCheckpointStore(directory: directory, budgetBytes: restored * kv.bytesPerBlock, bytesPerSlot: kv.bytesPerBlock),
        ]
        var resumeTimes: [Double] = []
        var matches = true
        for store in stores {
            for b in 0 ..< restored { try store.save(block: b, of: kv, into: b) }
            var samples: [Double] = []
            for _ in 0 ..< 5 {
                samples.append(try time {
                    for b in 0 ..< restored { try store.restore(slot: b, into: Int(target[b]), of: kv) }
                    try prefill(from: restored * 16, table: target)
                })
            }
            resumeTimes.append(samples.median)
            matches = matches && Array(forward.logits(row: 0)) == reference
        }
        let recomputeSeconds = recompute.median
        return .init(contextTokens: context, recomputeSeconds: recomputeSeconds, memoryResumeSeconds: resumeTimes[0],
                     fileResumeSeconds: resumeTimes[1], restoredBlocks: restored, tailTokens: tail,
                     memorySpeedup: recomputeSeconds / resumeTimes[0], fileSpeedup: recomputeSeconds / resumeTimes[1],
                     restoredKVMatches: matches)
    }

    // MARK: - Through the engine

    static func engine(model: LoadedModel, tokenizer: Tokenizer, configuration: EngineConfiguration, policy: SchedulingPolicy,
                       latencyModel: (any StepTimePredictor)?) throws -> EngineHandle {
        var configuration = configuration
        configuration.policy = policy
        return try EngineHandle(model: model, tokenizer: tokenizer, configuration: configuration, latencyModel: latencyModel)
    }

    /// GSM8K questions as offline prompts (the repository's `data/`), or generated text when the file is absent.
    static func offlinePrompts(_ count: Int, tokenizer: Tokenizer) -> [[Int32]] {
        let path = ((try? DataDirectory.locate(nil)) ?? "") + "/offline/gsm8k_test.jsonl"
        var questions: [String] = []
        if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            for line in text.split(separator: "\n") {
                if let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                   let question = object["question"] as? String { questions.append(question) }
            }
        }
        if questions.isEmpty { questions = ["Explain, step by step, how a bicycle stays upright while moving."] }
        return (0 ..< count).map { i in
            tokenizer.encode("Question: \(questions[i % questions.count])\nAnswer: Let's think step by step.", addSpecial: true)
        }
    }

    /// Offline backlog only: every request submitted at once, time until the last one ends.
    static func overhead(model: LoadedModel, tokenizer: Tokenizer, configuration: EngineConfiguration, latencyModel: (any StepTimePredictor)?,
                         requests: Int, rounds: Int, outputTokens: Int = 64) async throws -> EngineBenchReport.OverheadFigures {
        let prompts = offlinePrompts(requests, tokenizer: tokenizer)
        let tokens = prompts.reduce(0) { $0 + $1.count } + requests * outputTokens
        var runs: [EngineBenchReport.PolicyRun] = []
        for round in 0 ..< rounds {
            let order: [SchedulingPolicy] = round % 2 == 0 ? [.fcfs, .conserve] : [.conserve, .fcfs]
            for policy in order {
                let engine = try engine(model: model, tokenizer: tokenizer, configuration: configuration, policy: policy,
                                        latencyModel: latencyModel)
                let start = clock.now
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for prompt in prompts {
                        var request = GenerationRequest(prompt: prompt, serviceClass: .offline, maxTokens: outputTokens)
                        request.ignoreEOS = true
                        let stream = try engine.submit(request)
                        group.addTask { for try await _ in stream {} }
                    }
                    try await group.waitForAll()
                }
                let elapsed = (clock.now - start).inSeconds
                engine.shutdown()
                runs.append(.init(policy: policy.rawValue, round: round, seconds: elapsed, tokens: tokens,
                                  tokensPerSecond: Double(tokens) / elapsed))
                Console.status("  \(policy.rawValue) round \(round + 1): \(String(format: "%.1f", Double(tokens) / elapsed)) tok/s")
            }
        }
        func rate(_ policy: String) -> Double {
            let r = runs.filter { $0.policy == policy }
            return Double(r.reduce(0) { $0 + $1.tokens }) / r.reduce(0) { $0 + $1.seconds }
        }
        return .init(requests: requests, runs: runs, fcfsTokensPerSecond: rate("fcfs"), conserveTokensPerSecond: rate("conserve"),
                     ratio: rate("conserve") / rate("fcfs"))
    }

    /// Two requests sharing a 1,000-token prefix, one after the other: time to first token of each.
    static func prefixCache(model: LoadedModel, tokenizer: Tokenizer, configuration: EngineConfiguration, latencyModel: (any StepTimePredictor)?,
                            prefixTokens: Int = 1000, trials: Int = 3) async throws -> EngineBenchReport.PrefixCacheFigures {
        let engine = try engine(model: model, tokenizer: tokenizer, configuration: configuration, policy: .conserve,
                                latencyModel: latencyModel)
        defer { engine.shutdown() }
        let questions = offlinePrompts(200, tokenizer: tokenizer)
        func ttft(_ prompt: [Int32]) async throws -> Double {
            let start = clock.now
            for try await _ in try engine.submit(GenerationRequest(prompt: prompt, maxTokens: 1)) { break }
            return (clock.now - start).inSeconds
        }
        var first: [Double] = [], second: [Double] = []
        for trial in 0 ..< trials {
            var prefix: [Int32] = []
            var i = trial * 60
            while prefix.count < prefixTokens {
                prefix += questions[i % questions.count]
                i += 1
            }
            prefix = Array(prefix.prefix(prefixTokens))
            let a = prefix + tokenizer.encode("\nSummarize the questions above in one sentence.")
            let b = prefix + tokenizer.encode("\nWhich of the questions above is the hardest?")
            first.append(try await ttft(a))
            second.append(try await ttft(b))
        }
        return .init(prefixTokens: prefixTokens, trials: trials, firstTTFT: first.median, secondTTFT: second.median,
                     speedup: first.median / second.median)
    }
}
