import Scheduling
import Testing
@testable import Workloads

@Suite struct EngineCapacityTests {
    /// 4 ms a step, 2 ms a token, 1 µs per unit of attention work.
    struct Linear: StepTimePredictor {
        func predict(_ f: StepFeatures) -> Double { 0.004 + 0.002 * f.tokens + 1e-6 * f.attention }
    }

    @Test func aRequestsWorkIsItsChunkedPrefillPlusMarginalDecodes() {
        let capacity = EngineCapacity(predictor: Linear(), budget: 256)
        // Chunks of 256 at 0 cached and 44 at 256 cached, each paying the step's fixed 4 ms.
        let prefill = (0.004 + 0.512 + 1e-6 * 256 * 128) + (0.004 + 0.088 + 1e-6 * 44 * (256 + 22))
        #expect(abs(capacity.prefillSeconds(300) - prefill) < 1e-12)
        // 11 decodes at the mean context 305, without the fixed cost: 2 ms + 1 µs × 305.5 each.
        #expect(abs(capacity.workSeconds(prompt: 300, output: 11) - (prefill + 11 * (0.002 + 305.5e-6))) < 1e-12)
        #expect(capacity.workSeconds(prompt: 300, output: 0) == capacity.prefillSeconds(300))
    }

    @Test func defaultObjectivesComeFromTheProfile() {
        let capacity = EngineCapacity(predictor: Linear(), budget: 256)
        let objective = capacity.defaultObjective(promptTokens: 300, context: 100)
        #expect(abs(objective.ttft - 3 * capacity.prefillSeconds(300)) < 1e-12)
        // A 128-token chunk beside four decodes at context 100.
        #expect(abs(objective.tpot - (0.004 + 0.002 * 132 + 1e-6 * (128 * 64 + 4 * 100.5))) < 1e-12)
    }
}
