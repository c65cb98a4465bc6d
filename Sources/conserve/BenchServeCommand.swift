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

    @Option(help: "Comma-separated runs in process: online-only, fcfs, priority, conserve, ecoserve (empty for none).")
    var policies = "online-only,fcfs,priority,conserve"

    @Option(help: "Also run against a server over HTTP, as NAME=URL (repeatable). NAME containing 'conserve' uses ConServe's extensions (flex tier, ignore_eos); any other is treated as a plain OpenAI server (llama.cpp), offline work as ordinary requests.")
    var url: [String] = []

    @Option(help: "Model name sent to HTTP servers.")
    var servedModelName = "default"

    @Option(help: "Online trace: conv, code (Azure 2023) or mooncake.")
    var trace: TraceName = .conv

    @Option(help: "Online arrivals: the trace's own times, or gamma arrivals at the same rate with --burstiness as their coefficient of variation (1 = Poisson).")
    var burstiness: Double?

    @Option(help: "Where the window starts in the trace, in seconds.")
    var traceStart = 0.0

    @Option(help: "Seconds of online arrivals per run.")
    var duration = 300.0

    @Option(help: "Online load: the share of the engine's time online work takes, from the latency model (default 0.4).")
    var onlineLoad: Double?

    @Option(help: "Multiply the trace's request rate by this instead of setting --online-load.")
    var rateScale: Double?

    @Option(help: "Multiply the trace's prompt and output lengths by this.")
    var lengthScale = 0.25

    @Option(help: "Clip online prompts to this many tokens.")
    var maxPromptTokens = 1024

    @Option(help: "Clip online outputs to this many tokens.")
    var maxOutputTokens = 256

    @Option(help: "Comma-separated offline work: gsm8k, aclsum (empty for none).")
    var offline = "gsm8k,aclsum"

    @Option(help: "Offline jobs in flight at once (a backlog the server always has in hand).")
    var offlineConcurrency = 16

    @Option(help: "Offline jobs in flight at once against plain OpenAI servers (llama.cpp's runs one request at a time, so more would only queue ahead of online requests).")
    var peerOfflineConcurrency = 1

    @Option(help: "Offline jobs arrive in batches of this size every --offline-batch-interval seconds instead of all at the start.")
    var offlineBatchSize: Int?

    @Option(help: "Seconds between offline batches.")
    var offlineBatchInterval = 30.0

    @Option(help: "Seed of arrivals, lengths and prompts (the same for every run).")
    var seed: UInt64 = 0

    @Option(help: "The data directory (traces, datasets); default: $CONSERVE_DATA, else the repository's data/.")
    var data: String?

    @Flag(help: "A representative two-minute version: 25 seconds per run.")
    var quick = false

    @Flag(help: "Print every figure as one JSON document on standard output.")
    var json = false

    @Option(help: "Write SVG charts (TTFT and TPOT distributions, load timeline) into this directory.")
    var plot: String?

    enum TraceName: String, ExpressibleByArgument, CaseIterable { case conv, code, mooncake }

    func validate() throws {
        guard duration > 0 else { throw ValidationError("--duration must be positive") }
        guard lengthScale > 0 else { throw ValidationError("--length-scale must be positive") }
        if let onlineLoad, onlineLoad <= 0 { throw ValidationError("--online-load must be positive") }
        if let burstiness, burstiness <= 0 { throw ValidationError("--burstiness must be positive") }
        if onlineLoad != nil && rateScale != nil { throw ValidationError("give --online-load or --rate-scale, not both") }
        guard offlineConcurrency >= 0 else { throw ValidationError("--offline-concurrency must be at least 0") }
        _ = try runNames()
        _ = try offlineKinds()
        _ = try peers()
    }

    func runNames() throws -> [String] {
        let names = policies.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        for name in names where name != "online-only" && SchedulingPolicy(rawValue: name) == nil {
            throw ValidationError("unknown policy '\(name)' in --policies (online-only, \(SchedulingPolicy.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return names
    }

    func offlineKinds() throws -> [OfflineCorpus.Kind] {
        try offline.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.map {
            guard let kind = OfflineCorpus.Kind(rawValue: $0) else { throw ValidationError("unknown offline work '\($0)' (gsm8k, aclsum)") }
            return kind
        }
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
        let duration = quick ? 25 : duration
        let dataDirectory = try DataDirectory.locate(data)
        let path = try modelOptions.resolvedPath()
        let model = try LoadedModel(path: path)
        let tokenizer = try Tokenizer(gguf: model.file)
        var engineConfiguration = try engineOptions.configuration(threads: modelOptions.threads)
        let predictor = try LatencyProfileStore.loadOrProfile(model: model, modelPath: path, threads: modelOptions.threads, log: Console.status, store: .standard)
        let capacity = EngineCapacity(predictor: predictor, budget: engineConfiguration.maxNumBatchedTokens)

        // The workload, built once and replayed identically by every run.
        let rows: [TraceRow] = switch trace {
        case .conv: try TraceFile.azure(path: dataDirectory + "/traces/azure_conv_2023.csv")
        case .code: try TraceFile.azure(path: dataDirectory + "/traces/azure_code_2023.csv")
        case .mooncake: try TraceFile.mooncake(path: dataDirectory + "/traces/mooncake_conversation_trace.jsonl")
        }
        let context = min(engineConfiguration.maxModelLength ?? model.config.contextLength, model.config.contextLength)
        var spec = OnlineWorkloadSpec(rows: rows, duration: duration, maxPromptTokens: min(maxPromptTokens, context / 2),
                                      maxOutputTokens: min(maxOutputTokens, context / 2))
        spec.arrivalCV = burstiness
        spec.traceStart = traceStart
        spec.onlineLoad = rateScale == nil ? (onlineLoad ?? 0.4) : nil
        spec.rateScale = rateScale ?? 1
        spec.lengthScale = lengthScale
        spec.seed = seed
        let plan = try OnlineWorkload.plan(spec, work: capacity.workSeconds)
        let prompts = try PromptPool(shareGPT: dataDirectory + "/online/sharegpt_first_turns.jsonl", tokenizer: tokenizer, seed: seed)
        let sortedPrompts = plan.arrivals.map(\.promptTokens).sorted()
        let p90Prompt = sortedPrompts.isEmpty ? 1 : sortedPrompts[min(sortedPrompts.count - 1, sortedPrompts.count * 9 / 10)]
        let profileObjective = capacity.defaultObjective(promptTokens: p90Prompt, context: Int(plan.meanTokens))
        let objective = ServiceLevelObjective(ttft: engineOptions.sloTtftMs.map { $0 / 1000 } ?? profileObjective.ttft,
                                              tpot: engineOptions.sloTpotMs.map { $0 / 1000 } ?? profileObjective.tpot)
        engineConfiguration.defaultObjective = objective
        let online = plan.arrivals.map { arrival in
            let prompt = prompts.prompt(tokens: arrival.promptTokens)
            return TimedRequest(arrival: arrival.time, request: WorkloadRequest(
                workClass: .online, text: prompt.text, promptTokens: prompt.tokens, maxTokens: arrival.outputTokens,
                ignoreEOS: true, objective: objective))
        }
        let kinds = try offlineKinds()
        let offlineJobs = kinds.isEmpty ? [] : try OfflineCorpus.jobs(dataDirectory: dataDirectory, kinds: kinds, seed: seed, count: prompts)
            .filter { $0.promptTokens + $0.maxTokens <= context }
        var load = LoadPlan(online: online, offline: offlineJobs, offlineConcurrency: offlineConcurrency, duration: duration)
        if let offlineBatchSize { load.offlineBatches = (offlineBatchSize, offlineBatchInterval) }

        let settings: [String: String] = [
            "trace": trace.rawValue, "arrivals": burstiness.map { "gamma, CV \($0)" } ?? "trace",
            "trace_start_s": fmt(traceStart), "duration_s": fmt(duration),
            "online_load_target": spec.onlineLoad.map(fmt) ?? "–", "online_load_offered": fmt(plan.offeredLoad),
            "online_rate_rps": fmt(plan.rate), "trace_rate_rps": fmt(plan.traceRate), "online_requests": "\(online.count)",
            "online_work_s_per_request": fmt(plan.meanWork), "length_scale": fmt(lengthScale),
            "max_prompt_tokens": "\(spec.maxPromptTokens)", "max_output_tokens": "\(spec.maxOutputTokens)",
            "offline": kinds.map(\.rawValue).joined(separator: ","), "offline_jobs": "\(offlineJobs.count)",
            "offline_concurrency": "\(offlineConcurrency)",
            "offline_arrival": offlineBatchSize.map { "batches of \($0) every \(fmt(offlineBatchInterval)) s" } ?? "backlog",
            "slo_ttft_ms": fmt(objective.ttft * 1000), "slo_tpot_ms": fmt(objective.tpot * 1000),
            "threads": "\(modelOptions.threads)", "seed": "\(seed)", "model": URL(fileURLWithPath: path).lastPathComponent,
        ]
        Console.status("workload: \(online.count) online requests over \(fmt(duration)) s (\(fmt(plan.rate)) req/s, offered load \(fmt(plan.offeredLoad)), \(fmt(plan.meanWork)) engine-s per request), \(offlineJobs.count) offline jobs, \(offlineConcurrency) in flight; objectives TTFT \(fmt(objective.ttft * 1000)) ms, TPOT \(fmt(objective.tpot * 1000)) ms")

        var runs: [RunResult] = []
        for name in try runNames() {
            var configuration = engineConfiguration
            configuration.policy = name == "online-only" ? .conserve : SchedulingPolicy(rawValue: name)!
            let engine = try EngineHandle(model: model, tokenizer: tokenizer, configuration: configuration, latencyModel: predictor)
            var runLoad = load
            if name == "online-only" { runLoad.offline = [] }
            runs.append(await inProcess(name, engine: engine, tokenizer: tokenizer, load: runLoad, objective: objective))
            engine.shutdown()
        }
        let peers = try peers()
        if !peers.isEmpty {
            let client = HTTPTarget.makeClient(connections: online.count + offlineConcurrency + 16)
            for peer in peers {
                let target = HTTPTarget(url: peer.url, flavor: peer.flavor, model: servedModelName,
                                        endOfGenerationIDs: tokenizer.endOfGenerationIDs, client: client)
                var peerLoad = load
                if peer.flavor == .openai { peerLoad.offlineConcurrency = peerOfflineConcurrency }
                runs.append(await replay(peer.name, target: target, load: peerLoad, objective: objective))
            }
            try await client.shutdown()
        }

        let report = ServeReport(workload: settings, objective: objective, runs: runs)
        if let plot {
            for file in try report.writePlots(to: plot) { Console.status("wrote \(file)") }
        }
        if json {
            Console.status(report.table())
            Console.write(String(decoding: try report.json(), as: UTF8.self) + "\n")
        } else {
            Console.write(report.table() + "\n")
        }
    }

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

    func fmt(_ x: Double) -> String { String(format: x >= 100 ? "%.0f" : "%.3g", x) }
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
