import Scheduling
import Simulation
import Workloads

extension RunResult {
    /// A simulated run in the figures `bench serve` reports: its records as the load generator
    /// would have seen them, the scheduler's counters as the engine's, KV occupancy per second.
    init(label: String, simulation: SimulationResult, duration: Double, objective: ServiceLevelObjective) {
        let records = simulation.records.map { simulated in
            var record = RequestRecord(workClass: simulated.isOnline ? .online : .offline, sent: simulated.sent,
                                       promptTokens: simulated.promptTokens, requestedOutputTokens: simulated.requestedOutputTokens)
            record.tokenTimes = simulated.tokenTimes
            record.finished = simulated.finished
            record.error = simulated.error
            return record
        }
        let end = simulation.counters, atDuration = simulation.countersAtDuration
        var counters = EngineCounters(
            layerPreemptions: end.preemptions[.layer] ?? 0, recomputePreemptions: end.preemptions[.recompute] ?? 0,
            pausePreemptions: end.preemptions[.pause] ?? 0, restoredTokens: end.restoredTokens,
            recomputedTokens: end.recomputedTokens, offlineComputedTokens: atDuration.computedTokens[1],
            kvLoans: end.kvLoans, kvLoanMoves: end.kvLoanMoves, kvLoanPreemptions: end.kvLoanPreemptions)
        counters.latencyErrors = simulation.latencyErrors
        self.init(label: label, metrics: ServeMetrics(records: records, duration: duration, objective: objective),
                  engine: counters, kvUsage: simulation.kvUsage.map { KVSample(time: $0.time, usedFraction: $0.usedFraction) },
                  records: records)
    }
}
