import ArgumentParser
import Scheduling
import Testing
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
}
