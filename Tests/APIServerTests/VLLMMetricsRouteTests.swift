import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// `/metrics` carries vLLM's gauges and histograms under vLLM's names, which routers
/// (Gateway API Inference Extension, llm-d) and vLLM dashboards read.
@Suite(.timeLimit(.minutes(2))) struct VLLMMetricsRouteTests {
    @Test func gaugesAndHistogramsUnderVLLMNamesMoveAsARequestRuns() async throws {
        try await ServerTestSupport.application().test(.router) { client in
            let label = #"{model_name="smollm2"}"#
            let before = try await ServerTestSupport.metrics(client)
            let body = #"{"model": "smollm2", "prompt": "One, two,", "max_tokens": 4, "temperature": 0, "ignore_eos": true}"#
            try await client.execute(uri: "/v1/completions", method: .post, body: ByteBuffer(string: body)) { #expect($0.status == .ok) }
            let after = try await ServerTestSupport.metrics(client)
            func delta(_ name: String) -> Double { after[name + label, default: 0] - before[name + label, default: 0] }

            // The queue gauges are the engine's, both classes together (the engine is shared with
            // other suites, so not necessarily empty); the KV gauge is a fraction.
            func bothClasses(_ name: String) -> Double? {
                guard let online = after[name + #"{class="online"}"#], let offline = after[name + #"{class="offline"}"#] else { return nil }
                return online + offline
            }
            #expect(after["vllm:num_requests_waiting" + label] == bothClasses("conserve_requests_waiting"))
            #expect(after["vllm:num_requests_running" + label] == bothClasses("conserve_requests_running"))
            let kvUsage = try #require(after["vllm:kv_cache_usage_perc" + label])
            #expect((0...1).contains(kvUsage))
            // One request: one TTFT, one end-to-end latency, one queue time; 4 tokens, 3 gaps.
            #expect(delta("vllm:time_to_first_token_seconds_count") == 1)
            #expect(delta("vllm:e2e_request_latency_seconds_count") == 1)
            #expect(delta("vllm:request_queue_time_seconds_count") == 1)
            #expect(delta("vllm:inter_token_latency_seconds_count") == 3)
            #expect(delta("vllm:e2e_request_latency_seconds_sum") >= delta("vllm:time_to_first_token_seconds_sum"))
            #expect(delta("vllm:time_to_first_token_seconds_sum") >= delta("vllm:request_queue_time_seconds_sum"))
            // vLLM's buckets, cumulative, ending in +Inf.
            #expect(after[#"vllm:time_to_first_token_seconds_bucket{model_name="smollm2",le="+Inf"}"#] != nil)
        }
    }
}
