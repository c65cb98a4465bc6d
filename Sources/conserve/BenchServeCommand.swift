import ArgumentParser
import AsyncHTTPClient
import Engine
import Foundation
import LlamaModel
import Scheduling
import Tokenization
import Workloads

/// `conserve bench serve`: replays a production trace of online requests beside an offline
/// backlog, under each scheduling policy in process and against OpenAI-compatible servers over
/// HTTP, on the identical workload, and reports vLLM `bench serve`'s figures per class.
struct BenchServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Replay a trace of online requests with offline work beside it, per policy and per server."
    )

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var engineOptions: EngineOptions

    @Option(help: "Comma-separated runs in process: online-only, fcfs, priority, priority@N (static budget N), conserve, conserve-budget and conserve-layer (the ablation: no layer preemption and no checkpoints; no checkpoints), ecoserve (empty for none).")
    var policies = "online-only,fcfs,priority,conserve"

    @Option(help: "Also run against a server over HTTP, as NAME=URL (repeatable). NAME containing 'conserve' uses ConServe's extensions (flex tier, ignore_eos); any other is treated as a plain OpenAI server (llama.cpp), offline work as ordinary requests.")
    var url: [String] = []

    @Option(help: "Model name sent to HTTP servers.")
    var servedModelName = "default"

    @Option(help: "Offline jobs in flight at once against plain OpenAI servers, comma-separated to run each peer at each (e.g. 0,1,4 for llama-server's parallel slots; a one-slot server should get 1, since more only queue ahead of online requests).")
    var peerOfflineConcurrency = "1"

    @OptionGroup var workload: ServeWorkloadOptions

    func validate() throws {
        _ = try RunSpec.parse(list: policies)
        _ = try peers()
        _ = try peerConcurrencies()
    }

    /// The offline concurrencies each plain OpenAI peer runs at.
    func peerConcurrencies() throws -> [Int] {
        let values = peerOfflineConcurrency.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ ($0 ?? -1) >= 0 }) else {
            throw ValidationError("--peer-offline-concurrency takes non-negative integers separated by commas (got '\(peerOfflineConcurrency)')")
        }
        return values.compactMap { $0 }
    }

    func peers() throws -> [(name: String, url: String, flavor: HTTPTarget.Flavor)] {
        try url.map { spec in
            guard let equals = spec.firstIndex(of: "="), spec[spec.index(after: equals)...].hasPrefix("http") else {
                throw ValidationError("--url takes NAME=URL, e.g. llama.cpp=http://127.0.0.1:8080 (got '\(spec)')")
            }
            let name = String(spec[..<equals])
            return (name, String(spec[spec.index(after: equals)...]), name.lowercased().contains("conserve") ? .conserve : .openai)
        }
    }

    func run() async throws {
        let path = try modelOptions.resolvedPath()
        let model = try LoadedModel(path: path)
        let tokenizer = try Tokenizer(gguf: model.file)
        let engineConfiguration = try engineOptions.configuration(threads: modelOptions.threads)
        let predictor = try LatencyProfileStore.loadOrProfile(model: model, modelPath: path, threads: modelOptions.threads, log: Console.status, store: .standard)
        let capacity = EngineCapacity(predictor: predictor, budget: engineConfiguration.maxNumBatchedTokens)
        let context = min(engineConfiguration.maxModelLength ?? model.config.contextLength, model.config.contextLength)
        let specs = try RunSpec.parse(list: policies)
        let peers = try peers()
        let client = peers.isEmpty ? nil : HTTPTarget.makeClient(connections: 4096)

        // Each workload is built once and replayed identically by every run on it.
        let sweep = LoadSweep(options: workload, build: { rate, window, duration in
            try workload.build(
                capacity: capacity, tokenizer: tokenizer, context: context, sloTtftMs: engineOptions.sloTtftMs,
                sloTpotMs: engineOptions.sloTpotMs, defaultObjective: Self.defaultObjective, rate: rate, window: window,
                duration: duration,
                extraSettings: ["threads": "\(modelOptions.threads)", "model": URL(fileURLWithPath: path).lastPathComponent])
        }, run: { built, specs, withPeers in
            let (load, objective) = (built.load, built.objective)
            var runs: [RunResult] = []
            for spec in specs {
                var configuration = engineConfiguration
                configuration.defaultObjective = objective
                configuration.policy = spec.policy
                configuration.layerPreemption = spec.layerPreemption
                if !spec.checkpoints { configuration.checkpoint = .none }
                if let budget = spec.maxNumBatchedTokens { configuration.maxNumBatchedTokens = budget }
                let engine = try EngineHandle(model: model, tokenizer: tokenizer, configuration: configuration, latencyModel: predictor)
                var runLoad = load
                if spec.withoutOffline { runLoad.offline = [] }
                runs.append(await inProcess(spec.label, engine: engine, tokenizer: tokenizer, load: runLoad, objective: objective))
                engine.shutdown()
            }
            if withPeers, let client {
                for peer in peers {
                    let target = HTTPTarget(url: peer.url, flavor: peer.flavor, model: servedModelName,
                                            endOfGenerationIDs: tokenizer.endOfGenerationIDs, client: client)
                    guard peer.flavor == .openai else {
                        runs.append(await replay(peer.name, target: target, load: load, objective: objective))
                        continue
                    }
                    let concurrencies = try peerConcurrencies()
                    for concurrency in concurrencies {
                        var peerLoad = load
                        peerLoad.offlineConcurrency = concurrency
                        if concurrency == 0 { peerLoad.offline = [] }
                        let label = concurrencies.count == 1 ? peer.name : "\(peer.name) offline×\(concurrency)"
                        runs.append(await replay(label, target: target, load: peerLoad, objective: objective))
                    }
                }
            }
            return runs
        }, defaultBudget: engineConfiguration.maxNumBatchedTokens)
        let report: LoadSweepReport
        do {
            report = try await sweep(specs)
        } catch {
            try? await client?.shutdown()
            throw error
        }
        try await client?.shutdown()
        try workload.emit(report)
    }

    /// Objectives fixed before the load, as the paper fixes them: a chat user's TTFT and
    /// reading speed. The flags override them.
    static let defaultObjective = ServiceLevelObjective(ttft: 2.0, tpot: 0.1)

    /// One policy in process, with the engine's own counters and KV usage sampled alongside.
    func inProcess(_ name: String, engine: EngineHandle, tokenizer: Tokenizer, load: LoadPlan, objective: ServiceLevelObjective) async -> RunResult {
        await warmUp(engine, tokenizer: tokenizer)
        let before = engine.stats().scheduler.counters
        let clock = RunClock()
        let sampler = Task {
            var samples: [KVSample] = []
            while !Task.isCancelled {
                let snapshot = engine.stats().scheduler
                let total = snapshot.kvBlocksUsed + snapshot.kvBlocksFree
                samples.append(KVSample(time: clock.now(), usedFraction: total == 0 ? 0 : Double(snapshot.kvBlocksUsed) / Double(total)))
                try? await Task.sleep(for: .seconds(1))
            }
            return samples
        }
        var atEnd = before
        let endSampler = Task {
            // The engine's count when the window closes, not after the online drain.
            try? await clock.sleep(until: load.duration)
            return engine.stats().scheduler.counters
        }
        var result = await replay(name, target: EngineTarget(engine: engine, tokenizer: tokenizer), load: load, objective: objective, clock: clock)
        atEnd = await endSampler.value
        sampler.cancel()
        result.kvUsage = await sampler.value
        let end = engine.stats().scheduler
        let after = end.counters
        // A fresh engine per run, so its predictions were all made in this run.
        let prediction = end.prediction
        result.engine = EngineCounters(
            layerPreemptions: (after.preemptions[.layer] ?? 0) - (before.preemptions[.layer] ?? 0),
            recomputePreemptions: (after.preemptions[.recompute] ?? 0) - (before.preemptions[.recompute] ?? 0),
            pausePreemptions: (after.preemptions[.pause] ?? 0) - (before.preemptions[.pause] ?? 0),
            restoredTokens: after.restoredTokens - before.restoredTokens,
            recomputedTokens: after.recomputedTokens - before.recomputedTokens,
            offlineComputedTokens: atEnd.computedTokens[1] - before.computedTokens[1],
            kvLoans: after.kvLoans - before.kvLoans, kvLoanMoves: after.kvLoanMoves - before.kvLoanMoves,
            kvLoanPreemptions: after.kvLoanPreemptions - before.kvLoanPreemptions,
            predictedRequests: prediction.count, predictionCoverage: prediction.coverage,
            predictionRelativeError: prediction.relativeError)
        result.engine?.latencyErrors = end.latencyErrors
        return result
    }

    func replay(_ name: String, target: any LoadTarget, load: LoadPlan, objective: ServiceLevelObjective,
                clock: RunClock = RunClock()) async -> RunResult {
        Console.status("[\(name)] \(load.online.count) online requests, \(load.offline.isEmpty ? "no" : "\(load.offlineConcurrency)") offline in flight, \(fmt(load.duration)) s")
        let records = await LoadGenerator.run(load, target: target, clock: clock) { progress in
            Console.status("[\(name)] \(Int(progress.elapsed))/\(Int(load.duration)) s · online \(progress.onlineDone)/\(progress.onlineSent) done · offline \(progress.offlineDone) done, \(progress.offlineTokens) tokens")
        }
        let metrics = ServeMetrics(records: records, duration: load.duration, objective: objective)
        let failed = records.filter { $0.error != nil }
        if let first = failed.first { Console.status("[\(name)] \(failed.count) failed requests; first: \(first.error!)") }
        return RunResult(label: name, metrics: metrics, engine: nil, kvUsage: [], records: records)
    }

    /// A short request through a fresh engine so the first measured steps do not pay for
    /// thread start-up and first touches of memory.
    func warmUp(_ engine: EngineHandle, tokenizer: Tokenizer) async {
        var request = GenerationRequest(prompt: tokenizer.encode(String(repeating: "warm up the engine. ", count: 40)), maxTokens: 8)
        request.ignoreEOS = true
        guard let stream = try? engine.submit(request) else { return }
        do { for try await _ in stream {} } catch {}
    }

}

/// Finds the benchmark data (traces, datasets): the flag, else `$CONSERVE_DATA`, else the
/// repository's own `data/` (beside the sources this binary was built from, or under the current
/// directory). A directory the user named must hold the data; it is never silently passed over.
enum DataDirectory {
    static func locate(_ explicit: String?) throws -> String {
        if let named = explicit ?? ProcessInfo.processInfo.environment["CONSERVE_DATA"] {
            guard holdsData(named) else {
                throw ValidationError("\(named) has no traces/ directory; pass --data (or $CONSERVE_DATA) a directory laid out as the repository's data/")
            }
            return named
        }
        let candidates = [
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../data").standardized.path,
            FileManager.default.currentDirectoryPath + "/data",
        ]
        for candidate in candidates where holdsData(candidate) { return candidate }
        throw ValidationError("no data directory with traces/ found (tried \(candidates.joined(separator: ", "))); pass --data DIR")
    }

    private static func holdsData(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: path + "/traces")
    }
}
