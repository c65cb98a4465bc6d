import ArgumentParser
import Scheduling
import Testing
import Workloads
@testable import conserve

@Suite struct RunSpecTests {
    @Test func namesMapToPoliciesAndMechanisms() throws {
        let specs = try RunSpec.parse(list: "online-only, fcfs,priority@64,conserve-budget,conserve-layer,conserve")
        #expect(specs.map(\.label) == ["online-only", "fcfs", "priority@64", "conserve-budget", "conserve-layer", "conserve"])
        #expect(specs[0].withoutOffline && specs[0].policy == .conserve)
        #expect(specs[2].policy == .priority && specs[2].maxNumBatchedTokens == 64)
        #expect(!specs[3].layerPreemption && !specs[3].checkpoints)
        #expect(specs[4].layerPreemption && !specs[4].checkpoints)
        #expect(specs[5].layerPreemption && specs[5].checkpoints && !specs[5].withoutOffline)
    }

    @Test func badNamesAreRefusedWithTheKnownOnes() {
        #expect(throws: ValidationError.self) { try RunSpec.parse(list: "conserve,fast") }
        #expect(throws: ValidationError.self) { try RunSpec.parse(list: "priority@0") }
        #expect(throws: ValidationError.self) { try RunSpec.parse(list: "priority@x") }
    }

    @Test func loadFractionsParseAndImplyTheSearch() throws {
        let options = try ServeWorkloadOptions.parse(["--load-fractions", "0.5,0.7, 0.9", "--windows", "3"])
        #expect(try options.fractions() == [0.5, 0.7, 0.9])
        #expect(options.searchesCapacity)
        #expect(try ServeWorkloadOptions.parse([]).fractions() == [nil])
        #expect(!(try ServeWorkloadOptions.parse([]).searchesCapacity))
        #expect(throws: (any Error).self) { try ServeWorkloadOptions.parse(["--load-fractions", "0.5,-1"]) }
        #expect(throws: (any Error).self) { try ServeWorkloadOptions.parse(["--windows", "0"]) }
    }

    @Test func aGivenCapacityReplacesTheSearch() throws {
        let given = try ServeWorkloadOptions.parse(["--load-fractions", "0.5,0.9", "--capacity", "0.387"])
        #expect(!given.searchesCapacity && given.capacity == 0.387)
        #expect(throws: (any Error).self) { try ServeWorkloadOptions.parse(["--capacity", "0"]) }
        #expect(throws: (any Error).self) { try ServeWorkloadOptions.parse(["--capacity", "1", "--capacity-search"]) }
    }

    @Test func aSweepAtAGivenCapacityRunsNoSearchAndScalesTheRateByIt() async throws {
        let options = try ServeWorkloadOptions.parse(["--load-fractions", "0.5,0.9", "--capacity", "2", "--offline", ""])
        final class Asked { var rates: [Double?] = [] }
        let asked = Asked()
        let sweep = LoadSweep(options: options, build: { rate, window, duration in
            asked.rates.append(rate)
            return ServeWorkload(load: LoadPlan(online: [], offline: [], offlineConcurrency: 0, duration: duration),
                                 objective: ServiceLevelObjective(ttft: 2, tpot: 0.1), settings: [:])
        }, run: { _, specs, _ in
            specs.map { RunResult(label: $0.label, metrics: ServeMetrics(records: [], duration: 1, objective: ServiceLevelObjective(ttft: 2, tpot: 0.1)), records: []) }
        }, defaultBudget: 256)
        let report = try await sweep([try RunSpec(parsing: "conserve")])
        // The first build is the objective probe (the flags' own load); then one per fraction.
        #expect(Array(asked.rates.dropFirst()) == [1.0, 1.8])
        #expect(report.capacity?.rate == 2 && report.capacity?.trials.isEmpty == true)
        #expect(report.table().contains("given (--capacity), not searched"))
    }
}
