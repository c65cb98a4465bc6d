import Foundation
import LlamaModel
import Testing
import Engine

/// A small KV pool whose blocks hold arbitrary bit patterns (NaN payloads included), so a
/// round trip that changed any bit, or converted values, would show.
func makeFilledKVPool(blockCount: Int = 8, seed: UInt64 = 1) -> KVPool {
    let config = ModelConfig(layerCount: 2, dim: 32, ffnDim: 64, headCount: 4, kvHeadCount: 2, headDim: 8, vocabularySize: 16)
    let kv = KVPool(config: config, blockCount: blockCount, blockSize: 4)
    var state = seed
    let elements = blockCount * kv.blockStride
    for i in 0..<elements {
        // splitmix64: a deterministic stream of bits, two elements per step.
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        kv.keys[i] = KVPool.Element(truncatingIfNeeded: z)
        kv.values[i] = KVPool.Element(truncatingIfNeeded: z >> 32)
    }
    return kv
}

/// The bytes of one block as `copyBlock` lays them out.
func blockBytes(_ kv: KVPool, _ block: Int) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: kv.bytesPerBlock)
    bytes.withUnsafeMutableBytes { kv.copyBlock(block, to: $0.baseAddress!) }
    return bytes
}

/// A fresh empty directory under the system's temporary directory.
func makeTemporaryDirectory() throws -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("conserve-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url.path
}

@Suite struct CheckpointStoreTests {
    /// Saves blocks into slots, restores them into other blocks of a second pool, and checks
    /// every bit, and that slots did not overwrite each other.
    func checkRoundTrip(_ store: any CheckpointStore, source: KVPool) throws {
        let target = makeFilledKVPool(blockCount: source.blockCount, seed: 99)
        let pairs = [(block: 0, slot: 2), (block: 5, slot: 0), (block: 3, slot: 1), (block: 7, slot: store.slotCount - 1)]
        for (block, slot) in pairs { try store.save(block: block, of: source, into: slot) }
        for (index, (block, slot)) in pairs.enumerated() {
            let into = (index * 3 + 1) % target.blockCount
            try store.restore(slot: slot, into: into, of: target)
            #expect(blockBytes(target, into) == blockBytes(source, block), "slot \(slot)")
        }
    }

    @Test func memoryStoreRoundTripsBlocksBitExactly() throws {
        let kv = makeFilledKVPool()
        let store = try MemoryCheckpointStore(budgetBytes: 5 * kv.bytesPerBlock + 17, bytesPerSlot: kv.bytesPerBlock)
        #expect(store.slotCount == 5)
        #expect(store.bytesPerSlot == kv.bytesPerBlock)
        try checkRoundTrip(store, source: kv)
    }

    @Test func fileStoreRoundTripsBlocksBitExactly() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let kv = makeFilledKVPool()
        let store = try FileCheckpointStore(directory: directory, budgetBytes: 6 * kv.bytesPerBlock, bytesPerSlot: kv.bytesPerBlock)
        #expect(store.slotCount == 6)
        let attributes = try FileManager.default.attributesOfItem(atPath: store.path)
        #expect((attributes[.size] as? NSNumber)?.intValue == 6 * kv.bytesPerBlock)
        try checkRoundTrip(store, source: kv)
    }

    @Test func overwritingASlotKeepsOnlyTheNewBlock() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let kv = makeFilledKVPool()
        let stores: [any CheckpointStore] = [
            try MemoryCheckpointStore(budgetBytes: 2 * kv.bytesPerBlock, bytesPerSlot: kv.bytesPerBlock),
            try FileCheckpointStore(directory: directory, budgetBytes: 2 * kv.bytesPerBlock, bytesPerSlot: kv.bytesPerBlock),
        ]
        for store in stores {
            try store.save(block: 1, of: kv, into: 0)
            try store.save(block: 2, of: kv, into: 1)
            try store.save(block: 4, of: kv, into: 0)
            let target = makeFilledKVPool(seed: 7)
            try store.restore(slot: 0, into: 6, of: target)
            try store.restore(slot: 1, into: 7, of: target)
            #expect(blockBytes(target, 6) == blockBytes(kv, 4))
            #expect(blockBytes(target, 7) == blockBytes(kv, 2))
        }
    }

    @Test func fileStoreRemovesItsFileWhenDeinitialized() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let kv = makeFilledKVPool()
        var store: FileCheckpointStore? = try FileCheckpointStore(directory: directory, budgetBytes: 3 * kv.bytesPerBlock, bytesPerSlot: kv.bytesPerBlock)
        let path = try #require(store?.path)
        try store?.save(block: 0, of: kv, into: 2)
        #expect(FileManager.default.fileExists(atPath: path))
        #expect(path.hasPrefix(directory))
        store = nil
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
    }

    @Test func twoFileStoresInOneDirectoryUseDifferentFiles() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let kv = makeFilledKVPool()
        let first = try FileCheckpointStore(directory: directory, budgetBytes: kv.bytesPerBlock, bytesPerSlot: kv.bytesPerBlock)
        let second = try FileCheckpointStore(directory: directory, budgetBytes: kv.bytesPerBlock, bytesPerSlot: kv.bytesPerBlock)
        #expect(first.path != second.path)
        try first.save(block: 1, of: kv, into: 0)
        try second.save(block: 2, of: kv, into: 0)
        let target = makeFilledKVPool(seed: 3)
        try first.restore(slot: 0, into: 0, of: target)
        #expect(blockBytes(target, 0) == blockBytes(kv, 1))
    }

    @Test func missingDirectoryThrowsDirectoryMissing() throws {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("conserve-no-such-\(UUID().uuidString)").path
        #expect(throws: CheckpointError.directoryMissing(missing)) {
            try FileCheckpointStore(directory: missing, budgetBytes: 1 << 20, bytesPerSlot: 1024)
        }
        #expect(CheckpointError.directoryMissing(missing).description.contains("--checkpoint-dir"))
    }

    @Test func fileInPlaceOfDirectoryThrowsNotADirectory() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/plain-file"
        #expect(FileManager.default.createFile(atPath: file, contents: Data([1, 2, 3])))
        #expect(throws: CheckpointError.notADirectory(file)) {
            try FileCheckpointStore(directory: file, budgetBytes: 1 << 20, bytesPerSlot: 1024)
        }
    }

    #if os(Linux)
    @Test func directoryNoFileCanBeCreatedInThrowsDirectoryNotWritable() {
        // Not even root can create a file in /proc, so this runs under any user.
        #expect {
            try FileCheckpointStore(directory: "/proc", budgetBytes: 1 << 20, bytesPerSlot: 1024)
        } throws: { error in
            guard case .directoryNotWritable("/proc", _) = error as? CheckpointError else { return false }
            return true
        }
    }
    #endif

    @Test func budgetSmallerThanOneBlockThrows() {
        #expect(throws: CheckpointError.budgetTooSmall(budgetBytes: 1000, bytesPerBlock: 1024)) {
            try MemoryCheckpointStore(budgetBytes: 1000, bytesPerSlot: 1024)
        }
        #expect(throws: CheckpointError.budgetTooSmall(budgetBytes: -5, bytesPerBlock: 1024)) {
            try MemoryCheckpointStore(budgetBytes: -5, bytesPerSlot: 1024)
        }
        let message = CheckpointError.budgetTooSmall(budgetBytes: 1000, bytesPerBlock: 368_640).description
        #expect(message.contains("360.0 KiB"))
        #expect(message.contains("--checkpoint-memory"))
    }

    @Test func outOfRangeIndicesAndMismatchedPoolsAreErrorsNotCrashes() throws {
        let kv = makeFilledKVPool()
        let store = try MemoryCheckpointStore(budgetBytes: 2 * kv.bytesPerBlock, bytesPerSlot: kv.bytesPerBlock)
        #expect(throws: CheckpointError.slotOutOfRange(slot: 2, slotCount: 2)) { try store.save(block: 0, of: kv, into: 2) }
        #expect(throws: CheckpointError.slotOutOfRange(slot: -1, slotCount: 2)) { try store.restore(slot: -1, into: 0, of: kv) }
        #expect(throws: CheckpointError.blockOutOfRange(block: 8, blockCount: 8)) { try store.save(block: 8, of: kv, into: 0) }
        let other = KVPool(config: ModelConfig(layerCount: 1, dim: 32, ffnDim: 64, headCount: 4, kvHeadCount: 2, headDim: 8, vocabularySize: 16), blockCount: 2, blockSize: 4)
        #expect(throws: CheckpointError.blockSizeMismatch(bytesPerBlock: other.bytesPerBlock, bytesPerSlot: kv.bytesPerBlock)) {
            try store.restore(slot: 0, into: 0, of: other)
        }
    }
}
