import ArgumentParser
import Engine
import Foundation
import LlamaModel
import Scheduling
import Simulation
import Tokenization
import Workloads

/// `conserve simulate`: the workload of `bench serve`, run by the real `Scheduling` code
/// against a simulated executor whose step times come from a cost model (this machine's
/// profile, or an H100 model), on a virtual clock. Same figures, same JSON and charts.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Simulate bench serve's workload on a cost model (cpu, h100-llama-3.1-8b, 4xh100-llama-3.1-70b or a JSON file)."
    )

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "Cost model: a shipped name (cpu, h100-llama-3.1-8b, 4xh100-llama-3.1-70b) or a JSON file. cpu takes this machine's stored latency profile (measured if missing).")
    var costModel = "cpu"

    @Option(help: "Comma-separated runs: online-only, fcfs, priority, priority@N (static budget N), conserve, ecoserve, and the ablation conserve-budget (no layer preemption, no checkpoints) and conserve-layer (no checkpoints).")
    var policies = "online-only,fcfs,priority,conserve"

    @Option(help: "Tokens per step at most (default: the cost model's).")
    var maxNumBatchedTokens: Int?

    @Option(help: "Requests in a step at most (default: the cost model's).")
    var maxNumSeqs: Int?

    @Option(help: "Time-to-first-token objective in milliseconds (default: derived from the cost model, as bench serve derives it from the profile).")
    var sloTtftMs: Double?

    @Option(help: "Time-per-output-token objective in milliseconds (default: derived from the cost model).")
    var sloTpotMs: Double?

    @Option(help: "Relative error of the scheduler's latency model against the true cost (-0.2: it predicts steps 20% shorter than they take).")
    var predictionError = 0.0

    @Flag(help: "Plan with the (mispredicting) latency model as given, without correcting it from simulated step times as the engine does.")
    var noLatencyCorrection = false

    @Option(help: "Standard deviation of seeded random noise on each step's true time (0.05 = 5%).")
    var stepNoise = 0.0

    @Option(help: "`conserve`: share of the TPOT objective kept back as a margin.")
    var tpotMargin = 0.15

    @Flag(help: "Add offline jobs with the lengths of Vidur's arXiv-summarization trace (long documents), interleaved with --offline's.")
    var offlineArxiv = false

    @Option(help: "A `bench serve --json` report of the same workload (same flags, --capacity for the same load): compare this simulation with it figure by figure and print the comparison to standard error.")
    var validateAgainst: String?

    @OptionGroup var workload: ServeWorkloadOptions

    func validate() throws {
        guard predictionError > -1 else { throw ValidationError("--prediction-error must be above -1") }
        guard stepNoise >= 0 else { throw ValidationError("--step-noise must not be negative") }
        _ = try RunSpec.parse(list: policies)
    }

    func run() async throws {
        let path = try modelOptions.resolvedPath()
        let model = try LoadedModel(path: path)
        let tokenizer = try Tokenizer(gguf: model.file)
        var cost: CostModel
        do { cost = try CostModel.load(costModel) } catch { throw ValidationError(error.description) }
        if cost.name == "cpu" {
            let profile = try LatencyProfileStore.loadOrProfile(model: model, modelPath: path, threads: modelOptions.threads,
                                                                log: Console.status, store: .standard)
            cost = cost.replacingCoefficients(with: profile, source: "this machine's stored latency profile")
        }
        let budget = maxNumBatchedTokens ?? Int(cost.maxNumBatchedTokens.value)
        let context = Int(cost.maxModelLength.value)
        let arxiv = offlineArxiv
            ? try OfflineLengthTrace.arxiv(dataDirectory: DataDirectory.locate(workload.data), seed: workload.seed, context: context)
            : []
        let sweep = LoadSweep(options: workload, build: { rate, window, duration in
            var built = try workload.build(
                capacity: EngineCapacity(predictor: cost, budget: budget), tokenizer: tokenizer, context: context,
                sloTtftMs: sloTtftMs, sloTpotMs: sloTpotMs, rate: rate, window: window, duration: duration,
                extraSettings: ["cost_model": cost.name, "prediction_error": fmt(predictionError), "step_noise": fmt(stepNoise),
                                "kv_blocks": "\(Int(cost.kvBlocks.value))", "max_num_batched_tokens": "\(budget)"])
            if !arxiv.isEmpty {
                built.settings["offline"] = [built.settings["offline"], "arxiv (lengths)"].compactMap { $0?.isEmpty == false ? $0 : nil }.joined(separator: ",")
                built.settings["offline_jobs"] = "\(built.load.offline.count + arxiv.count)"
            }
            return built
        }, run: { built, specs, _ in
            var simulated = SimulatedWorkload(built.load, objective: built.objective)
            if !arxiv.isEmpty { simulated.offline = OfflineLengthTrace.interleave(simulated.offline, arxiv) }
            return specs.map { spec in
                simulate(spec, simulated, cost: cost, budget: budget, context: context, objective: built.objective)
            }
        }, defaultBudget: budget)
        // Read before the runs, so that a wrong path fails at once.
        let measured = try validateAgainst.map { path in
            do { return try LoadSweepReport(json: Data(contentsOf: URL(fileURLWithPath: path))) }
            catch { throw ValidationError("--validate-against \(path): not a bench serve --json report (\(error))") }
        }
        let report = try await sweep(try RunSpec.parse(list: policies))
        try workload.emit(report)
        if let measured {
            let validation = SimulatorValidation(measured: measured, simulated: report)
            guard !validation.checks.isEmpty else {
                throw ValidationError("--validate-against: no run at a load fraction both reports have; run simulate with the same --policies, --load-fractions and --capacity")
            }
            Console.status(validation.table())
        }
    }
}

extension SimulateCommand {
    /// One run of `spec` on `workload`: the real scheduler, configured as the engine would be
    /// for the run, against the simulated executor.
    func simulate(_ spec: RunSpec, _ workload: SimulatedWorkload, cost: CostModel, budget: Int, context: Int,
                  objective: ServiceLevelObjective) -> RunResult {
        var configuration = SchedulerConfiguration(
            policy: spec.policy, blockCount: Int(cost.kvBlocks.value), blockSize: Int(cost.blockSize.value),
            checkpointSlots: spec.checkpoints ? cost.checkpointSlots : 0, maxNumBatchedTokens: spec.maxNumBatchedTokens ?? budget,
            maxNumSequences: maxNumSeqs ?? Int(cost.maxNumSequences.value), maxModelLength: context,
            latencyModel: MispredictingModel(base: cost, bias: predictionError), tpotMargin: tpotMargin)
        configuration.layerPreemption = spec.layerPreemption
        configuration.correctsLatencyOnline = !noLatencyCorrection
        var simulator = Simulator(configuration: configuration, costModel: cost)
        simulator.layerPreemption = spec.layerPreemption
        simulator.stepNoise = stepNoise
        simulator.seed = self.workload.seed
        var runWorkload = workload
        if spec.withoutOffline { runWorkload.offline = [] }
        let started = ContinuousClock.now
        let result = simulator.run(runWorkload)
        let failed = result.records.filter { $0.error != nil }
        if let first = failed.first { Console.status("[\(spec.label)] \(failed.count) failed requests; first: \(first.error!)") }
        Console.status("[\(spec.label)] \(result.steps) steps, \(fmt(result.endTime)) virtual s in \(fmt((ContinuousClock.now - started).inSeconds)) s")
        return RunResult(label: spec.label, simulation: result, duration: runWorkload.duration, objective: objective)
    }
}

extension SimulatedWorkload {
    /// The simulator's view of a `LoadPlan`: lengths and times only.
    init(_ load: LoadPlan, objective: ServiceLevelObjective) {
        self.init(
            online: load.online.map {
                SimulatedRequest(arrival: $0.arrival, promptTokens: $0.request.promptTokens, outputTokens: $0.request.maxTokens,
                                 objective: $0.request.objective ?? objective)
            },
            offline: load.offline.map { SimulatedRequest(promptTokens: $0.promptTokens, outputTokens: $0.maxTokens) },
            offlineConcurrency: load.offlineConcurrency, duration: load.duration)
        offlineBatches = load.offlineBatches
        drainTimeout = load.drainTimeout
    }
}
