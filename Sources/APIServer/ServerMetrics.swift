import CoreMetrics
import Engine
import Foundation
import struct Prometheus.PrometheusMetricsFactory
import class Prometheus.PrometheusCollectorRegistry
import Scheduling
import Synchronization

/// What `/metrics` exposes, through swift-metrics objects backed by a Prometheus registry of
/// our own (no process-wide bootstrap, so tests can make as many servers as they like).
///
/// Per-request figures are recorded as requests end; engine-wide figures (queues, KV blocks,
/// checkpoint bytes, preemptions, restored and recomputed tokens) are read from the engine's
/// stats when the endpoint is scraped.
public final class ServerMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    private let perClass: [PerClass] // [online, offline]
    private let waiting: [CoreMetrics.Gauge], running: [CoreMetrics.Gauge]
    private let kvBlocksUsed: CoreMetrics.Gauge, kvBlocksFree: CoreMetrics.Gauge, checkpointBytes: CoreMetrics.Gauge
    private let preemptions: [PreemptionKind: CoreMetrics.Counter]
    private let restoredTokens: CoreMetrics.Counter, recomputedTokens: CoreMetrics.Counter
    /// Engine totals already added to the counters above.
    private let reported = Mutex(Reported())
    /// The same figures under vLLM's names, for routers and dashboards made for vLLM.
    let vllm: VLLMMetrics

    struct PerClass: Sendable {
        let ttft: CoreMetrics.Timer, tpot: CoreMetrics.Timer, e2e: CoreMetrics.Timer
        let promptTokens: CoreMetrics.Counter, generatedTokens: CoreMetrics.Counter, requests: CoreMetrics.Counter
        let sloMet: CoreMetrics.Counter, sloMissed: CoreMetrics.Counter
    }

    struct Reported {
        var preemptions: [PreemptionKind: Int] = [:]
        var restored = 0, recomputed = 0
    }

    public init(modelName: String) {
        vllm = VLLMMetrics(registry: registry, modelName: modelName)
        var factory = PrometheusMetricsFactory(registry: registry)
        let latencyBuckets: [Duration] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300].map { .milliseconds(Int($0 * 1000)) }
        factory.defaultDurationHistogramBuckets = latencyBuckets
        perClass = ["online", "offline"].map { name in
            let d = [("class", name)]
            return PerClass(
                ttft: .init(label: "conserve_time_to_first_token_seconds", dimensions: d, factory: factory),
                tpot: .init(label: "conserve_time_per_output_token_seconds", dimensions: d, factory: factory),
                e2e: .init(label: "conserve_request_latency_seconds", dimensions: d, factory: factory),
                promptTokens: .init(label: "conserve_prompt_tokens_total", dimensions: d, factory: factory),
                generatedTokens: .init(label: "conserve_generated_tokens_total", dimensions: d, factory: factory),
                requests: .init(label: "conserve_requests_total", dimensions: d, factory: factory),
                sloMet: .init(label: "conserve_slo_met_total", dimensions: d, factory: factory),
                sloMissed: .init(label: "conserve_slo_missed_total", dimensions: d, factory: factory))
        }
        waiting = ["online", "offline"].map { CoreMetrics.Gauge(label: "conserve_requests_waiting", dimensions: [("class", $0)], factory: factory) }
        running = ["online", "offline"].map { CoreMetrics.Gauge(label: "conserve_requests_running", dimensions: [("class", $0)], factory: factory) }
        kvBlocksUsed = CoreMetrics.Gauge(label: "conserve_kv_blocks_used", factory: factory)
        kvBlocksFree = CoreMetrics.Gauge(label: "conserve_kv_blocks_free", factory: factory)
        checkpointBytes = CoreMetrics.Gauge(label: "conserve_checkpoint_bytes_used", factory: factory)
        var kinds: [PreemptionKind: CoreMetrics.Counter] = [:]
        for kind in PreemptionKind.allCases {
            kinds[kind] = CoreMetrics.Counter(label: "conserve_preemptions_total", dimensions: [("kind", kind.rawValue)], factory: factory)
        }
        preemptions = kinds
        restoredTokens = CoreMetrics.Counter(label: "conserve_restored_tokens_total", factory: factory)
        recomputedTokens = CoreMetrics.Counter(label: "conserve_recomputed_tokens_total", factory: factory)
    }

    /// A finished request: its latencies, tokens and whether it met its objectives (online).
    func record(online: Bool, objective: ServiceLevelObjective?, ttft: Double?, e2e: Double, queue: Double?, usage: Usage?) {
        vllm.recordRequest(ttft: ttft, e2e: e2e, queue: queue)
        let m = perClass[online ? 0 : 1]
        m.requests.increment()
        m.e2e.recordSeconds(e2e)
        guard let usage else { return }
        m.promptTokens.increment(by: usage.promptTokens)
        m.generatedTokens.increment(by: usage.completionTokens)
        guard let ttft else { return }
        m.ttft.recordSeconds(ttft)
        let tpot = usage.completionTokens > 1 ? (e2e - ttft) / Double(usage.completionTokens - 1) : 0
        if usage.completionTokens > 1 { m.tpot.recordSeconds(tpot) }
        if let objective {
            if ttft <= objective.ttft && tpot <= objective.tpot { m.sloMet.increment() } else { m.sloMissed.increment() }
        }
    }

    /// Reads the engine-wide figures and returns the Prometheus text.
    public func scrape(_ stats: EngineStats) -> String {
        let s = stats.scheduler
        vllm.update(from: stats)
        waiting[0].record(s.waitingOnline)
        waiting[1].record(s.waitingOffline)
        running[0].record(s.runningOnline)
        running[1].record(s.runningOffline)
        kvBlocksUsed.record(s.kvBlocksUsed)
        kvBlocksFree.record(s.kvBlocksFree)
        checkpointBytes.record(s.checkpointSlotsUsed * stats.kvBlockBytes)
        reported.withLock { seen in
            for kind in PreemptionKind.allCases {
                let total = s.counters.preemptions[kind, default: 0]
                let delta = total - seen.preemptions[kind, default: 0]
                if delta > 0 { preemptions[kind]?.increment(by: delta) }
                seen.preemptions[kind] = total
            }
            if s.counters.restoredTokens > seen.restored { restoredTokens.increment(by: s.counters.restoredTokens - seen.restored) }
            if s.counters.recomputedTokens > seen.recomputed {
                recomputedTokens.increment(by: s.counters.recomputedTokens - seen.recomputed)
            }
            seen.restored = s.counters.restoredTokens
            seen.recomputed = s.counters.recomputedTokens
        }
        return registry.emitToString()
    }
}
