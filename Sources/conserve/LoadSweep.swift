import ArgumentParser
import Foundation
import Scheduling
import Workloads

/// What `bench serve` and `simulate` share beyond the workload flags: the capacity search, the
/// load fractions, the windows and the tuning of `priority`'s static budget, driving whichever
/// runner the command has (the engine in process, or the simulator).
struct LoadSweep {
    let options: ServeWorkloadOptions
    /// Builds the workload at `rate` online requests/s (nil: the flags' own load) on trace
    /// window `window`, with `duration` seconds of arrivals.
    let build: (_ rate: Double?, _ window: Int, _ duration: Double) throws -> ServeWorkload
    /// Runs each spec on the workload, in order; `withPeers`: the HTTP peers as well (not in
    /// the searches).
    let run: (_ workload: ServeWorkload, _ specs: [RunSpec], _ withPeers: Bool) async throws -> [RunResult]
    /// The static budget `priority` runs at untuned (the engine's --max-num-batched-tokens).
    let defaultBudget: Int

    func callAsFunction(_ specs: [RunSpec]) async throws -> LoadSweepReport {
        let fractions = try options.fractions()
        var capacity: CapacitySearch?
        if let given = options.capacity {
            capacity = CapacitySearch(low: given, high: nil, trials: [], runSeconds: 0)
        } else if options.searchesCapacity {
            capacity = try await searchCapacity()
        }
        var objective = try build(nil, 0, options.searchDuration).objective
        var cells: [LoadSweepReport.Cell] = []
        var tunings: [LoadSweepReport.PriorityTuning] = []
        for fraction in fractions {
            let rate = fraction.map { $0 * capacity!.rate }
            var runs = specs
            if options.tunePriority {
                let tuning = try await tunePriority(rate: rate)
                tunings.append(LoadSweepReport.PriorityTuning(fraction: fraction, trials: tuning.trials, budget: tuning.budget))
                if let budget = tuning.budget { runs.append(try RunSpec(parsing: "priority@\(budget)")) }
            }
            for window in 0 ..< options.windows {
                let workload = try build(rate, window, options.runDuration)
                objective = workload.objective
                Console.status("== \(LoadSweepReport.fractionName(fraction)), window \(window + 1)/\(options.windows)")
                var settings = workload.settings
                settings["window"] = "\(window)"
                if let fraction { settings["capacity_fraction"] = fmt(fraction) }
                let results = try await run(workload, runs, true)
                cells.append(.init(fraction: fraction, window: window,
                                   report: ServeReport(workload: settings, objective: workload.objective, runs: results)))
            }
        }
        return LoadSweepReport(objective: objective, capacity: capacity, priorityTuning: tunings, cells: cells)
    }

    /// Online-only at a rate, on window 0, for `--search-duration` seconds: one trial.
    func searchCapacity() async throws -> CapacitySearch {
        let probe = try build(nil, 0, options.searchDuration)
        let start = Double(probe.settings["online_rate_rps"] ?? "") ?? 1
        Console.status("capacity search: online-only, \(fmt(options.searchDuration)) s runs, from \(fmt(start)) req/s")
        let onlineOnly = try RunSpec(parsing: "online-only")
        return try await CapacitySearch.search(start: start, steps: options.searchSteps, runSeconds: options.searchDuration) { rate in
            let workload = try build(rate, 0, options.searchDuration)
            let result = try await run(workload, [onlineOnly], false)[0]
            let trial = CapacitySearch.Trial(rate: rate, metrics: result.metrics, objective: workload.objective)
            Console.status("capacity search: \(fmt(rate)) req/s \(trial.meets ? "meets" : "misses") (P99 TTFT \(trial.ttftP99Ms.map(fmt) ?? "–") ms, P99 TPOT \(trial.tpotP99Ms.map(fmt) ?? "–") ms)")
            return trial
        }
    }

    /// `priority` at static budgets from the default down, halving, on window 0 for
    /// `--search-duration` seconds: the largest that meets both objectives at P99.
    func tunePriority(rate: Double?) async throws -> (trials: [CapacitySearch.Trial], budget: Int?) {
        let workload = try build(rate, 0, options.searchDuration)
        var trials: [CapacitySearch.Trial] = []
        var budget = defaultBudget
        while budget >= 8 {
            let spec = try RunSpec(parsing: "priority@\(budget)")
            let result = try await run(workload, [spec], false)[0]
            let trial = CapacitySearch.Trial(rate: Double(budget), metrics: result.metrics, objective: workload.objective)
            trials.append(trial)
            Console.status("priority tuning: budget \(budget) \(trial.meets ? "meets" : "misses") the objectives")
            if trial.meets { return (trials, budget) }
            budget /= 2
        }
        return (trials, nil)
    }
}
