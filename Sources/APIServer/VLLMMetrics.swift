import Engine
import Prometheus

/// The metrics vLLM exposes under its own names, which routers scrape from any model server:
/// the Kubernetes Gateway API Inference Extension and llm-d's endpoint picker read the queue
/// and KV gauges to pick a replica; dashboards built for vLLM read the latency histograms.
/// Same names, label (`model_name`) and buckets as vLLM's, so both work unchanged.
final class VLLMMetrics: Sendable {
    private let waiting: Prometheus.Gauge, running: Prometheus.Gauge, kvCacheUsage: Prometheus.Gauge
    private let ttft: ValueHistogram, interTokenLatency: ValueHistogram, e2e: ValueHistogram, queueTime: ValueHistogram

    // vLLM's buckets (vllm/v1/metrics/loggers.py).
    static let ttftBuckets = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
                              20.0, 40.0, 80.0, 160.0, 640.0, 2560.0]
    static let interTokenBuckets = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
                                    20.0, 40.0, 80.0]
    static let requestBuckets = [0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0,
                                 240.0, 480.0, 960.0, 1920.0, 7680.0]

    init(registry: PrometheusCollectorRegistry, modelName: String) {
        let labels = [("model_name", modelName)]
        waiting = registry.makeGauge(descriptor: Self.name("vllm:num_requests_waiting", "Requests waiting to be scheduled (online and offline)."), labels: labels)
        running = registry.makeGauge(descriptor: Self.name("vllm:num_requests_running", "Requests in the running batch (online and offline)."), labels: labels)
        kvCacheUsage = registry.makeGauge(descriptor: Self.name("vllm:kv_cache_usage_perc", "Fraction of KV cache blocks in use (1 = all)."), labels: labels)
        ttft = registry.makeValueHistogram(descriptor: Self.name("vllm:time_to_first_token_seconds", "Arrival to first token."), labels: labels, buckets: Self.ttftBuckets)
        interTokenLatency = registry.makeValueHistogram(descriptor: Self.name("vllm:inter_token_latency_seconds", "Each gap between two output tokens."), labels: labels, buckets: Self.interTokenBuckets)
        e2e = registry.makeValueHistogram(descriptor: Self.name("vllm:e2e_request_latency_seconds", "Arrival to last token."), labels: labels, buckets: Self.requestBuckets)
        queueTime = registry.makeValueHistogram(descriptor: Self.name("vllm:request_queue_time_seconds", "Arrival to first scheduled."), labels: labels, buckets: Self.requestBuckets)
    }

    /// vLLM's full name (the unit is part of it), with its help line.
    private static func name(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    /// The gauges, from the engine's stats at scrape time.
    func update(from stats: EngineStats) {
        let s = stats.scheduler
        waiting.set(Double(s.waitingOnline + s.waitingOffline))
        running.set(Double(s.runningOnline + s.runningOffline))
        let blocks = s.kvBlocksUsed + s.kvBlocksFree
        kvCacheUsage.set(blocks == 0 ? 0 : Double(s.kvBlocksUsed) / Double(blocks))
    }

    func recordInterTokenLatency(_ seconds: Double) { interTokenLatency.record(seconds) }

    /// A finished request (both classes: vLLM has no classes).
    func recordRequest(ttft: Double?, e2e: Double, queue: Double?) {
        self.e2e.record(e2e)
        if let ttft { self.ttft.record(ttft) }
        if let queue { queueTime.record(queue) }
    }
}
