import Engine
import Foundation
import LlamaModel
import Scheduling
import Testing

/// Fault injection under `--checkpoint-dir`: the checkpoint file is damaged or removed while
/// two offline requests are paused to it. A request whose checkpoint cannot be read back is
/// recomputed; no other request notices, and every request ends with the tokens it gives alone.
@Suite(.serialized) struct CheckpointFaultTests {
    enum Fault: String, CaseIterable {
        /// The file is cut to nothing: every restore reads short.
        case truncate
        /// Request 1's slots are overwritten: its restore reads bytes that differ from the save.
        case overwrite
        /// The file is unlinked: the open descriptor still reads it, so restores succeed.
        case delete
    }

    let slo = ServiceLevelObjective(ttft: 1.0, tpot: 0.05)

    @Test(arguments: Fault.allCases)
    func damagedCheckpointIsRecomputedAndNoOtherRequestNotices(fault: Fault) throws {
        let directory = try EngineTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var store: FileCheckpointStore?
        let h = try ModelHarness(policy: .conserve, checkpoint: { kv in
            let file = try FileCheckpointStore(directory: directory, budgetBytes: 32 * kv.bytesPerBlock, bytesPerSlot: kv.bytesPerBlock)
            store = file
            return file
        }, maxNumSequences: 2, prefixCaching: false)
        let offline1 = try textPrompt(3, minimumTokens: 50), offline2 = try textPrompt(5, minimumTokens: 40)
        let online3 = try textPrompt(4), online4 = try textPrompt(0)
        try h.add(1, prompt: offline1, maxTokens: 12)
        try h.add(2, prompt: offline2, maxTokens: 12)
        for _ in 0 ..< 4 { try h.step() }
        try h.add(3, .online(slo), prompt: online3, maxTokens: 4)
        try h.add(4, .online(slo), prompt: online4, maxTokens: 4)
        try h.step()
        let paused1 = try #require(h.scheduler.request(1)), paused2 = try #require(h.scheduler.request(2))
        #expect(paused1.phase == .paused && paused2.phase == .paused)
        #expect(!paused1.checkpointSlots.isEmpty && !paused2.checkpointSlots.isEmpty)
        h.checkpointer?.waitUntilIdle()

        let file = try #require(store)
        switch fault {
        case .truncate:
            #expect(truncate(file.path, 0) == 0)
        case .overwrite:
            let handle = try #require(FileHandle(forUpdatingAtPath: file.path))
            for slot in paused1.checkpointSlots {
                try handle.seek(toOffset: UInt64(Int(slot) * file.bytesPerSlot))
                try handle.write(contentsOf: Data(repeating: 0x5A, count: 4096))
            }
            try handle.close()
        case .delete:
            #expect(unlink(file.path) == 0)
        }

        try h.runUntilIdle()
        let expectedFailures = switch fault {
        case .truncate: 2
        case .overwrite: 1
        case .delete: 0
        }
        #expect(h.scheduler.counters.failedRestores == expectedFailures)
        #expect(h.outputs[1] == (try referenceGreedy(offline1, count: 12)))
        #expect(h.outputs[2] == (try referenceGreedy(offline2, count: 12)))
        #expect(h.outputs[3] == (try referenceGreedy(online3, count: 4)))
        #expect(h.outputs[4] == (try referenceGreedy(online4, count: 4)))
    }
}
