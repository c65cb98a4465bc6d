import Scheduling

@testable import Workloads

/// Two runs with known figures: "conserve" with engine counters and KV samples, and
/// "llama.cpp" with neither and no completed online request.
func sampleReport() -> ServeReport {
    let objective = ServiceLevelObjective(ttft: 1.0, tpot: 0.5)
    let conserveRecords = [
        record(.online, sent: 1, tokens: [1.5, 1.75, 2.0, 2.5]),  // TTFT 500 ms, TPOT 333 ms
        record(.online, sent: 0, tokens: [2.0, 2.25]),  // TTFT 2000 ms: misses
        record(.online, sent: 0, tokens: [0.25], error: "HTTP 503"),
        record(.offline, sent: 0, prompt: 100, tokens: [3, 4, 5, 6], unfinished: true),
    ]
    let conserve = RunResult(
        label: "conserve",
        metrics: ServeMetrics(records: conserveRecords, duration: 4, objective: objective),
        engine: EngineCounters(
            layerPreemptions: 7, recomputePreemptions: 1, pausePreemptions: 2, restoredTokens: 96, recomputedTokens: 32),
        kvUsage: [KVSample(time: 1, usedFraction: 0.25), KVSample(time: 2, usedFraction: 0.875)],
        records: conserveRecords)
    let llamaRecords = [record(.online, sent: 0, tokens: [], finished: 3, error: "timeout")]
    let llama = RunResult(
        label: "llama.cpp", metrics: ServeMetrics(records: llamaRecords, duration: 4, objective: objective),
        records: llamaRecords)
    return ServeReport(
        workload: ["trace": "synthetic", "online rate": "0.5 req/s"], objective: objective, runs: [conserve, llama])
}
