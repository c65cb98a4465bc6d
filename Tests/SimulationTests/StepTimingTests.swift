@testable import Simulation
import Testing

/// Safepoints and the checkpoint link on the virtual clock.
@Suite struct StepTimingTests {
    // 8 layers of 1 ms in groups of 2, 0.1 ms a check: safepoints at 2.1, 4.2 and 6.3 ms.
    let timing = StepTiming(start: 0, computeStart: 0.001, compute: 0.008, layers: 8, layersPerGroup: 2, checkSeconds: 0.0001)

    @Test func stepEndsAfterComputeAndChecks() {
        #expect(abs(timing.end - (0.001 + 0.008 + 3 * 0.0001)) < 1e-12)
    }

    @Test func signalAbandonsAtTheNextSafepoint() throws {
        let early = try #require(timing.abandonment(signal: 0.0005)) // during the restore: first safepoint
        #expect(early.afterLayer == 2 && abs(early.at - 0.0031) < 1e-12)
        let middle = try #require(timing.abandonment(signal: 0.004))
        #expect(middle.afterLayer == 4 && abs(middle.at - 0.0052) < 1e-12)
        #expect(timing.abandonment(signal: 0.0075) == nil, "after the last safepoint the step completes")
    }

    @Test func linkQueuesTransfersFirstComeFirstServed() {
        var link = TransferLink(bytesPerSecond: 1000)
        #expect(link.transfer(500, at: 1) == 1.5)
        #expect(link.transfer(1000, at: 1.2) == 2.5, "waits for the first")
        #expect(link.transfer(100, at: 10) == 10.1, "an idle link starts at once")
        #expect(link.transfer(0, at: 3) == 3)
    }
}
