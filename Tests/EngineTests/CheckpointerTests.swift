import Foundation
import LlamaModel
import Synchronization
import Testing
import Engine

/// A store that fails the saves of chosen slots and passes the rest to a memory store.
final class FailingCheckpointStore: CheckpointStore {
    let inner: MemoryCheckpointStore
    let failingSlots: Set<Int>
    static let failure = CheckpointError.writeFailed(path: "/test-double", slot: -1, reason: "injected failure")

    init(inner: MemoryCheckpointStore, failingSlots: Set<Int>) {
        self.inner = inner
        self.failingSlots = failingSlots
    }

    var slotCount: Int { inner.slotCount }
    var bytesPerSlot: Int { inner.bytesPerSlot }

    func save(block: Int, of kv: KVPool, into slot: Int) throws(CheckpointError) {
        if failingSlots.contains(slot) { throw Self.failure }
        try inner.save(block: block, of: kv, into: slot)
    }

    func restore(slot: Int, into block: Int, of kv: KVPool) throws(CheckpointError) {
        try inner.restore(slot: slot, into: block, of: kv)
    }
}

/// A store whose saves wait until the test opens a gate, so a test can hold the copier in
/// the middle of a save deterministically.
final class GatedCheckpointStore: CheckpointStore {
    let inner: MemoryCheckpointStore
    let saveStarted = DispatchSemaphore(value: 0)
    let gate = DispatchSemaphore(value: 0)

    init(inner: MemoryCheckpointStore) { self.inner = inner }

    var slotCount: Int { inner.slotCount }
    var bytesPerSlot: Int { inner.bytesPerSlot }

    func save(block: Int, of kv: KVPool, into slot: Int) throws(CheckpointError) {
        saveStarted.signal()
        gate.wait()
        gate.signal() // stays open once opened
        try inner.save(block: block, of: kv, into: slot)
    }

    func restore(slot: Int, into block: Int, of kv: KVPool) throws(CheckpointError) {
        try inner.restore(slot: slot, into: block, of: kv)
    }
}

@Suite struct CheckpointerTests {
    @Test func manyBatchesOfSavesArriveIntact() throws {
        let kv = makeFilledKVPool(blockCount: 16)
        let store = try MemoryCheckpointStore(budgetBytes: 64 * kv.bytesPerBlock, bytesPerSlot: kv.bytesPerBlock)
        let checkpointer = Checkpointer(store: store, kv: kv)
        // Slot s holds block s % 16; batches of varied sizes, the way steps would hand them over.
        var slot = 0
        for batchSize in [1, 7, 0, 16, 3, 21, 16] {
            checkpointer.enqueue((0..<batchSize).map { i in (block: (slot + i) % 16, slot: slot + i) })
            slot += batchSize
        }
        checkpointer.waitUntilIdle()

        #expect(checkpointer.takeFailures().isEmpty)
        let stats = checkpointer.stats
        #expect(stats.blocksSaved == slot)
        #expect(stats.bytesSaved == slot * kv.bytesPerBlock)
        #expect(stats.failedSaves == 0)
        let target = makeFilledKVPool(blockCount: 1, seed: 5)
        for s in 0..<slot {
            try store.restore(slot: s, into: 0, of: target)
            #expect(blockBytes(target, 0) == blockBytes(kv, s % 16), "slot \(s)")
        }
    }

    @Test func waitUntilIdleReturnsWithNothingQueued() {
        let kv = makeFilledKVPool()
        let store = try! MemoryCheckpointStore(budgetBytes: kv.bytesPerBlock, bytesPerSlot: kv.bytesPerBlock)
        let checkpointer = Checkpointer(store: store, kv: kv)
        checkpointer.waitUntilIdle()
        checkpointer.enqueue([])
        checkpointer.waitUntilIdle()
        #expect(checkpointer.stats == Checkpointer.Stats())
    }

    @Test func failedSavesAreReportedBySlotOnce() throws {
        let kv = makeFilledKVPool()
        let inner = try MemoryCheckpointStore(budgetBytes: 8 * kv.bytesPerBlock, bytesPerSlot: kv.bytesPerBlock)
        let store = FailingCheckpointStore(inner: inner, failingSlots: [2, 5])
        let checkpointer = Checkpointer(store: store, kv: kv)
        checkpointer.enqueue((0..<8).map { (block: $0, slot: $0) })
        // A slot past the end fails in the real store's own checks.
        checkpointer.enqueue([(block: 0, slot: 8)])
        checkpointer.waitUntilIdle()

        let failures = checkpointer.takeFailures()
        #expect(failures == [
            2: FailingCheckpointStore.failure,
            5: FailingCheckpointStore.failure,
            8: .slotOutOfRange(slot: 8, slotCount: 8),
        ])
        #expect(checkpointer.takeFailures().isEmpty)
        #expect(checkpointer.stats.blocksSaved == 6)
        #expect(checkpointer.stats.failedSaves == 3)
        // The saves that did not fail are intact.
        let target = makeFilledKVPool(blockCount: 1, seed: 5)
        try store.restore(slot: 6, into: 0, of: target)
        #expect(blockBytes(target, 0) == blockBytes(kv, 6))
    }

    @Test func stopWithPendingSavesDropsAndReportsThem() throws {
        let kv = makeFilledKVPool()
        let store = GatedCheckpointStore(inner: try MemoryCheckpointStore(budgetBytes: 10 * kv.bytesPerBlock, bytesPerSlot: kv.bytesPerBlock))
        let checkpointer = Checkpointer(store: store, kv: kv)
        checkpointer.enqueue((0..<10).map { (block: $0 % 8, slot: $0) })
        store.saveStarted.wait() // the copier is inside the save of slot 0; slots 1...9 wait

        // stop() blocks until the save in progress ends, so it runs on its own thread while
        // this one opens the gate once the stop is visible to the copier.
        let stopped = DispatchSemaphore(value: 0)
        let stopper = Thread {
            checkpointer.stop()
            stopped.signal()
        }
        stopper.start()
        // enqueue after stop is reported at once; seeing that failure tells us stop() has begun.
        while checkpointer.stats.failedSaves == 0 {
            checkpointer.enqueue([(block: 0, slot: 9)])
            if checkpointer.stats.failedSaves == 0 { Thread.sleep(forTimeInterval: 0.001) }
        }
        store.gate.signal()
        stopped.wait()

        let failures = checkpointer.takeFailures()
        #expect(checkpointer.stats.blocksSaved == 1)
        #expect(failures.keys.sorted() == Array(1...9))
        #expect(failures.values.allSatisfy { $0 == .checkpointerStopped })
        let target = makeFilledKVPool(blockCount: 1, seed: 5)
        try store.restore(slot: 0, into: 0, of: target)
        #expect(blockBytes(target, 0) == blockBytes(kv, 0))

        // Stopped for good: a second stop and a barrier return at once; new saves fail.
        checkpointer.stop()
        checkpointer.waitUntilIdle()
        checkpointer.enqueue([(block: 1, slot: 1)])
        #expect(checkpointer.takeFailures() == [1: .checkpointerStopped])
    }

    @Test func droppingTheCheckpointerWithQueuedSavesStopsItsThread() throws {
        let kv = makeFilledKVPool(blockCount: 4)
        let store = try MemoryCheckpointStore(budgetBytes: 256 * kv.bytesPerBlock, bytesPerSlot: kv.bytesPerBlock)
        weak var weakCheckpointer: Checkpointer?
        do {
            let checkpointer = Checkpointer(store: store, kv: kv)
            weakCheckpointer = checkpointer
            checkpointer.enqueue((0..<256).map { (block: $0 % 4, slot: $0) })
        }
        // deinit ran (it waits for the copier to exit), so nothing holds the checkpointer.
        #expect(weakCheckpointer == nil)
    }
}
