import Scheduling
@testable import Simulation
import Testing

/// A simulation is a function of its inputs and seed: the same run twice gives the same
/// records to the last bit; another seed (with step noise) gives other times.
@Suite struct SimulationDeterminismTests {
    @Test(arguments: [SchedulingPolicy.fcfs, .conserve])
    func sameSeedSameRecords(policy: SchedulingPolicy) {
        var random = SplitMix(state: 42)
        let workload = randomWorkload(&random, duration: 15)
        let model = testCostModel(blocks: 64, checkpointBlocks: 32)
        let first = simulator(policy, model: model, seed: 5).run(workload)
        let second = simulator(policy, model: model, seed: 5).run(workload)
        #expect(first.records == second.records)
        #expect(first.steps == second.steps && first.endTime == second.endTime)
        let other = simulator(policy, model: model, seed: 6).run(workload)
        #expect(other.records != first.records, "the seed drives the step noise")
    }
}
