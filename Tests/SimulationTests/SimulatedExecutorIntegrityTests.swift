import Scheduling
@testable import Simulation
import Testing

/// The scheduler's randomized integrity checks, on the simulated executor and virtual clock:
/// random mixes of online arrivals and offline backlog under small KV pools and checkpoint
/// tiers, with layer preemption. After every step the accounting holds; at the end every block,
/// slot and executor entry is back, and every request that finished produced exactly its
/// trace's output length.
@Suite struct SimulatedExecutorIntegrityTests {
    @Test(arguments: SchedulingPolicy.allCases, [1, 2, 3] as [UInt64])
    func randomWorkloadKeepsAccounting(policy: SchedulingPolicy, seed: UInt64) {
        var random = SplitMix(state: seed &* 7919 &+ UInt64(policy.rawValue.count))
        let blocks = Int.random(in: 40 ... 96, using: &random)
        let slots = policy == .conserve ? Int.random(in: 0 ... 60, using: &random) : 0
        let model = testCostModel(blocks: blocks, checkpointBlocks: slots)
        let workload = randomWorkload(&random, duration: 20)
        let result = simulator(policy, model: model, seed: seed).run(workload)

        #expect(result.integrityViolations.isEmpty, "\(result.integrityViolations.prefix(3))")
        #expect(result.leakedBlocks == 0 && result.leakedSlots == 0, "blocks \(result.leakedBlocks), slots \(result.leakedSlots)")
        #expect(result.executorLeftovers == 0, "executor still holds \(result.executorLeftovers) requests")
        let online = result.records.filter(\.isOnline)
        #expect(online.count == workload.online.count)
        for record in result.records where record.finished != nil && record.error == nil {
            #expect(record.tokenTimes.count == record.requestedOutputTokens, "\(record)")
            #expect(record.tokenTimes == record.tokenTimes.sorted() && record.tokenTimes.first.map { $0 >= record.sent } != false)
        }
        // Online requests all end: the drain lets them run past the window.
        #expect(online.allSatisfy { $0.finished != nil }, "unfinished online requests")
    }

    /// Across seeds, the conserve policy abandons steps between layers and pauses requests into
    /// the checkpoint tier: the integrity test above exercises both paths.
    @Test func conserveExercisesLayerPreemptionAndCheckpoints() {
        var layer = 0, pauses = 0, restored = 0
        for seed in 1 ... 3 as ClosedRange<UInt64> {
            var random = SplitMix(state: seed &* 7919 &+ 8)
            let result = simulator(.conserve, model: testCostModel(blocks: 48, checkpointBlocks: 40), seed: seed)
                .run(randomWorkload(&random, duration: 20))
            layer += result.counters.preemptions[.layer] ?? 0
            pauses += result.counters.preemptions[.pause] ?? 0
            restored += result.counters.restoredTokens
        }
        #expect(layer > 0 && pauses > 0 && restored > 0, "layer \(layer), pauses \(pauses), restored \(restored)")
    }
}

func simulator(_ policy: SchedulingPolicy, model: CostModel, seed: UInt64, noise: Double = 0.1) -> Simulator {
    let configuration = SchedulerConfiguration(
        policy: policy, blockCount: Int(model.kvBlocks.value), blockSize: Int(model.blockSize.value),
        checkpointSlots: model.checkpointSlots, maxNumBatchedTokens: Int(model.maxNumBatchedTokens.value),
        maxNumSequences: Int(model.maxNumSequences.value), maxModelLength: Int(model.maxModelLength.value),
        latencyModel: MispredictingModel(base: model, bias: -0.1))
    var simulator = Simulator(configuration: configuration, costModel: model)
    simulator.seed = seed
    simulator.stepNoise = noise
    simulator.checkIntegrity = true
    return simulator
}

func randomWorkload(_ random: inout SplitMix, duration: Double) -> SimulatedWorkload {
    // A TTFT objective of about two steps, so arrivals during offline steps abandon them.
    let slo = ServiceLevelObjective(ttft: 0.008, tpot: 0.01)
    var online: [SimulatedRequest] = []
    var time = 0.0
    while time < duration {
        time += Double.random(in: 0 ..< 0.4, using: &random)
        online.append(SimulatedRequest(arrival: time, promptTokens: Int.random(in: 1 ... 60, using: &random),
                                       outputTokens: Int.random(in: 0 ... 30, using: &random), objective: slo))
    }
    let offline = (0 ..< 20).map { _ in
        SimulatedRequest(promptTokens: Int.random(in: 20 ... 120, using: &random), outputTokens: Int.random(in: 1 ... 40, using: &random))
    }
    var workload = SimulatedWorkload(online: online, offline: offline, offlineConcurrency: Int.random(in: 1 ... 6, using: &random),
                                     duration: duration)
    if Bool.random(using: &random) { workload.offlineBatches = (3, 2) }
    return workload
}
