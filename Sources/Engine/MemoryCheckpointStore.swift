#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LlamaModel

/// Checkpoint slots in host memory (`--checkpoint-memory`): one buffer of
/// `slotCount × bytesPerSlot` bytes.
///
/// The buffer comes from calloc, which for large sizes maps zero pages lazily, so memory
/// becomes resident only as slots are first written; a generous budget costs nothing until
/// offline requests actually checkpoint.
public final class MemoryCheckpointStore: CheckpointStore, @unchecked Sendable {
    // @unchecked: every stored property is immutable; the buffer's bytes are shared, but
    // concurrent calls touch disjoint slots (see `CheckpointStore` on thread safety).
    public let slotCount: Int
    public let bytesPerSlot: Int
    private let buffer: UnsafeMutableRawPointer

    /// A store holding as many slots of `bytesPerSlot` (use `kv.bytesPerBlock`) as fit in
    /// `budgetBytes`.
    /// - Throws: `.budgetTooSmall` if not even one slot fits, `.outOfMemory` if the
    ///   allocation fails.
    public init(budgetBytes: Int, bytesPerSlot: Int) throws(CheckpointError) {
        let slotCount = try checkpointSlotCount(budgetBytes: budgetBytes, bytesPerSlot: bytesPerSlot)
        guard let buffer = calloc(slotCount, bytesPerSlot) else {
            throw .outOfMemory(bytes: slotCount * bytesPerSlot)
        }
        self.slotCount = slotCount
        self.bytesPerSlot = bytesPerSlot
        self.buffer = buffer
    }

    deinit {
        free(buffer)
    }

    public func save(block: Int, of kv: KVPool, into slot: Int) throws(CheckpointError) {
        try checkCopy(slot: slot, block: block, kv: kv)
        kv.copyBlock(block, to: buffer + slot * bytesPerSlot)
    }

    public func restore(slot: Int, into block: Int, of kv: KVPool) throws(CheckpointError) {
        try checkCopy(slot: slot, block: block, kv: kv)
        kv.restoreBlock(block, from: buffer + slot * bytesPerSlot)
    }
}
