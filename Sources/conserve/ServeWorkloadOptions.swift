import ArgumentParser
import Foundation
import Scheduling
import Tokenization
import Workloads

/// The workload flags `bench serve` and `simulate` share: which trace, which window, what
/// load, which offline work, which seed, and how to print the report.
struct ServeWorkloadOptions: ParsableArguments {
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

    @Flag(name: .customLong("offline-ignore-eos"), help: "Offline jobs generate all their tokens, past end-of-text, as the simulator's always do: for comparing `simulate` with `bench serve` on identical work.")
    var offlineIgnoreEOS = false

    @Option(help: "Offline jobs arrive in batches of this size every --offline-batch-interval seconds instead of all at the start.")
    var offlineBatchSize: Int?

    @Option(help: "Seconds between offline batches.")
    var offlineBatchInterval = 30.0

    @Option(help: "Seed of arrivals, lengths and prompts (the same for every run).")
    var seed: UInt64 = 0

    @Option(help: "The data directory (traces, datasets); default: $CONSERVE_DATA, else the repository's data/.")
    var data: String?

    @Flag(help: "Find the online capacity first: the highest online rate at which online-only meets both objectives at P99 (bisection on --search-duration runs).")
    var capacitySearch = false

    @Option(help: "Comma-separated shares of the online capacity to run every policy at, e.g. 0.5,0.7,0.9 (implies --capacity-search unless --capacity is given).")
    var loadFractions: String?

    @Option(help: "The online capacity in requests/s, instead of searching for it: one an earlier run found, so that another run (or the simulator) replays the identical load.")
    var capacity: Double?

    @Option(help: "Replay this many windows of the trace (each --window-spacing trace seconds after the last) and report each figure's mean and range.")
    var windows = 1

    @Option(help: "Trace seconds between the starts of successive windows.")
    var windowSpacing = 600.0

    @Option(help: "Seconds of arrivals in each run of the capacity search and of --tune-priority.")
    var searchDuration = 60.0

    @Option(help: "Bisection steps of the capacity search once it has a bracket.")
    var searchSteps = 4

    @Flag(help: "Also run priority at the largest static budget (halving from --max-num-batched-tokens) at which it meets both objectives, per load fraction.")
    var tunePriority = false

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
        guard windows >= 1 else { throw ValidationError("--windows must be at least 1") }
        guard windowSpacing > 0, searchDuration > 0 else { throw ValidationError("--window-spacing and --search-duration must be positive") }
        guard searchSteps >= 0 else { throw ValidationError("--search-steps must be at least 0") }
        if let capacity {
            guard capacity > 0, capacity.isFinite else { throw ValidationError("--capacity must be a positive rate in requests/s") }
            guard !capacitySearch else { throw ValidationError("give --capacity or --capacity-search, not both") }
        }
        _ = try offlineKinds()
        _ = try fractions()
    }

    /// The load fractions to run at; `[nil]` (the flags' own load) without --load-fractions.
    func fractions() throws -> [Double?] {
        guard let loadFractions else { return [nil] }
        let values = try loadFractions.split(separator: ",").map { text -> Double in
            guard let value = Double(text.trimmingCharacters(in: .whitespaces)), value > 0, value.isFinite else {
                throw ValidationError("--load-fractions takes positive numbers separated by commas, e.g. 0.5,0.7,0.9 (got '\(text)')")
            }
            return value
        }
        guard !values.isEmpty else { throw ValidationError("--load-fractions is empty") }
        return values
    }

    /// Whether the capacity is searched for (asked, or needed by --load-fractions and not given).
    var searchesCapacity: Bool { capacitySearch || (loadFractions != nil && capacity == nil) }

    var runDuration: Double { quick ? 25 : duration }

    func offlineKinds() throws -> [OfflineCorpus.Kind] {
        try offline.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.map {
            guard let kind = OfflineCorpus.Kind(rawValue: $0) else { throw ValidationError("unknown offline work '\($0)' (gsm8k, aclsum)") }
            return kind
        }
    }

    /// Builds the workload every run replays identically: online arrivals from the trace at
    /// the asked load (measured with `capacity`), prompts of those lengths, the offline corpus,
    /// and the objectives (the flags', or ones derived from the latency model).
    ///
    /// `rate` (online requests/s) overrides the flags' load; `window` moves the trace start by
    /// that many `--window-spacing`s; `defaultObjective` stands in for objectives the flags do
    /// not give (nil: derived from the latency model, as the simulator's GPU profiles need).
    func build(capacity: EngineCapacity, tokenizer: Tokenizer, context: Int, sloTtftMs: Double?, sloTpotMs: Double?,
               defaultObjective: ServiceLevelObjective? = nil, rate: Double? = nil, window: Int = 0, duration: Double? = nil,
               extraSettings: [String: String]) throws -> ServeWorkload {
        let duration = duration ?? runDuration
        let traceStart = self.traceStart + Double(window) * windowSpacing
        let dataDirectory = try DataDirectory.locate(data)
        let rows: [TraceRow] = switch trace {
        case .conv: try TraceFile.azure(path: dataDirectory + "/traces/azure_conv_2023.csv")
        case .code: try TraceFile.azure(path: dataDirectory + "/traces/azure_code_2023.csv")
        case .mooncake: try TraceFile.mooncake(path: dataDirectory + "/traces/mooncake_conversation_trace.jsonl")
        }
        var spec = OnlineWorkloadSpec(rows: rows, duration: duration, maxPromptTokens: min(maxPromptTokens, context / 2),
                                      maxOutputTokens: min(maxOutputTokens, context / 2))
        spec.arrivalCV = burstiness
        spec.traceStart = traceStart
        spec.onlineLoad = rateScale == nil ? (onlineLoad ?? 0.4) : nil
        spec.rateScale = rateScale ?? 1
        spec.targetRate = rate
        spec.lengthScale = lengthScale
        spec.seed = seed
        let plan = try OnlineWorkload.plan(spec, work: capacity.workSeconds)
        let prompts = try PromptPool(shareGPT: dataDirectory + "/online/sharegpt_first_turns.jsonl", tokenizer: tokenizer, seed: seed)
        let sortedPrompts = plan.arrivals.map(\.promptTokens).sorted()
        let p90Prompt = sortedPrompts.isEmpty ? 1 : sortedPrompts[min(sortedPrompts.count - 1, sortedPrompts.count * 9 / 10)]
        let profileObjective = capacity.defaultObjective(promptTokens: p90Prompt, context: Int(plan.meanTokens))
        let fallback = defaultObjective ?? profileObjective
        let objective = ServiceLevelObjective(ttft: sloTtftMs.map { $0 / 1000 } ?? fallback.ttft,
                                              tpot: sloTpotMs.map { $0 / 1000 } ?? fallback.tpot)
        let online = plan.arrivals.map { arrival in
            let prompt = prompts.prompt(tokens: arrival.promptTokens)
            return TimedRequest(arrival: arrival.time, request: WorkloadRequest(
                workClass: .online, text: prompt.text, promptTokens: prompt.tokens, maxTokens: arrival.outputTokens,
                ignoreEOS: true, objective: objective))
        }
        let kinds = try offlineKinds()
        var offlineJobs = (kinds.isEmpty ? [] : try OfflineCorpus.jobs(dataDirectory: dataDirectory, kinds: kinds, seed: seed, count: prompts))
            .filter { $0.promptTokens + $0.maxTokens <= context }
        if offlineIgnoreEOS { offlineJobs = offlineJobs.map { var job = $0; job.ignoreEOS = true; return job } }
        var load = LoadPlan(online: online, offline: offlineJobs, offlineConcurrency: offlineConcurrency, duration: duration)
        if let offlineBatchSize { load.offlineBatches = (offlineBatchSize, offlineBatchInterval) }

        var settings: [String: String] = [
            "trace": trace.rawValue, "arrivals": burstiness.map { "gamma, CV \($0)" } ?? "trace",
            "trace_start_s": fmt(traceStart), "duration_s": fmt(duration),
            "online_load_target": rate == nil ? spec.onlineLoad.map(fmt) ?? "–" : "–", "online_load_offered": fmt(plan.offeredLoad),
            "online_rate_rps": fmt(plan.rate), "trace_rate_rps": fmt(plan.traceRate), "online_requests": "\(online.count)",
            "online_work_s_per_request": fmt(plan.meanWork), "length_scale": fmt(lengthScale),
            "max_prompt_tokens": "\(spec.maxPromptTokens)", "max_output_tokens": "\(spec.maxOutputTokens)",
            "offline": kinds.map(\.rawValue).joined(separator: ","), "offline_jobs": "\(offlineJobs.count)",
            "offline_concurrency": "\(offlineConcurrency)", "offline_ignore_eos": "\(offlineIgnoreEOS)",
            "offline_arrival": offlineBatchSize.map { "batches of \($0) every \(fmt(offlineBatchInterval)) s" } ?? "backlog",
            "slo_ttft_ms": fmt(objective.ttft * 1000), "slo_tpot_ms": fmt(objective.tpot * 1000), "seed": "\(seed)",
        ]
        settings.merge(extraSettings) { _, extra in extra }
        Console.status("workload: \(online.count) online requests over \(fmt(duration)) s (\(fmt(plan.rate)) req/s, offered load \(fmt(plan.offeredLoad)), \(fmt(plan.meanWork)) engine-s per request), \(offlineJobs.count) offline jobs, \(offlineConcurrency) in flight; objectives TTFT \(fmt(objective.ttft * 1000)) ms, TPOT \(fmt(objective.tpot * 1000)) ms")
        return ServeWorkload(load: load, objective: objective, settings: settings)
    }

    /// Writes a sweep as the flags ask: one fraction and one window print as a single report
    /// (charts included); more print the sweep's table, and its JSON holds every report.
    func emit(_ sweep: LoadSweepReport) throws {
        if sweep.cells.count == 1, sweep.capacity == nil, sweep.priorityTuning.isEmpty {
            return try emit(sweep.cells[0].report)
        }
        try sweep.write(plot: plot, json: json)
    }

    /// Writes the report as the flags ask: charts, then JSON or the table.
    func emit(_ report: ServeReport) throws {
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
}

/// The workload of one `bench serve` or `simulate` invocation, replayed by every run.
struct ServeWorkload {
    var load: LoadPlan
    var objective: ServiceLevelObjective
    /// How it was built, for the report.
    var settings: [String: String]
}

func fmt(_ x: Double) -> String { String(format: x >= 100 ? "%.0f" : "%.3g", x) }

extension LoadSweepReport {
    /// Writes the sweep as `--plot` and `--json` ask: each cell's charts in its own folder, then
    /// the JSON on standard output with the table on standard error, or the table alone.
    func write(plot: String?, json: Bool) throws {
        if let plot {
            for file in try writePlots(to: plot) { Console.status("wrote \(file)") }
        }
        if json {
            Console.status(table())
            Console.write(String(decoding: try self.json(), as: UTF8.self) + "\n")
        } else {
            Console.write(table())
        }
    }
}
