import Scheduling
import Simulation
import Testing
import Workloads
@testable import conserve

/// A `LoadPlan` reaches the simulator unchanged, and a simulated run comes back in
/// `bench serve`'s figures: every online request counted, offline work counted in the
/// window only, the scheduler's counters as the engine's.
@Suite struct SimulatedRunReportTests {
    @Test func loadPlanRoundTripsThroughTheSimulator() throws {
        let objective = ServiceLevelObjective(ttft: 0.2, tpot: 0.05)
        let online = (0 ..< 40).map { i in
            TimedRequest(arrival: Double(i) * 0.25, request: WorkloadRequest(
                workClass: .online, text: "", promptTokens: 200 + 37 * i, maxTokens: 20 + i, ignoreEOS: true, objective: objective))
        }
        let offline = (0 ..< 5).map { i in
            WorkloadRequest(workClass: .offline, text: "", promptTokens: 3000 + 100 * i, maxTokens: 200, ignoreEOS: false)
        }
        let load = LoadPlan(online: online, offline: offline, offlineConcurrency: 4, duration: 10)
        let workload = SimulatedWorkload(load, objective: objective)
        #expect(workload.online.map(\.promptTokens) == online.map(\.request.promptTokens))
        #expect(workload.online.map(\.outputTokens) == online.map(\.request.maxTokens))
        #expect(workload.offline.map(\.promptTokens) == offline.map(\.promptTokens))

        let cost = try CostModel.load("h100-llama-3.1-8b")
        let configuration = SchedulerConfiguration(
            policy: .conserve, blockCount: Int(cost.kvBlocks.value), blockSize: 16, checkpointSlots: cost.checkpointSlots,
            maxNumBatchedTokens: 2048, maxNumSequences: 256, maxModelLength: 32768, latencyModel: cost)
        let simulation = Simulator(configuration: configuration, costModel: cost).run(workload)
        let run = RunResult(label: "conserve", simulation: simulation, duration: load.duration, objective: objective)

        #expect(run.metrics.online.completed == online.count)
        #expect(run.records.filter { $0.workClass == .online }.map(\.outputTokens).sorted() == online.map(\.request.maxTokens).sorted())
        #expect(run.metrics.offline.outputTokens > 0)
        #expect(run.engine?.offlineComputedTokens == simulation.countersAtDuration.computedTokens[1])
        #expect(run.engine?.layerPreemptions == simulation.counters.preemptions[.layer] ?? 0)
        #expect(run.kvUsage.count == 11, "one sample per virtual second of the window, 0…10")
    }
}
