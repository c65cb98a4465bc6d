import LlamaModel
import Units

/// The checkpoint tier (DESIGN §5): a fixed number of slots, each holding a copy of one KV
/// block, where offline requests' KV is saved so a paused request can give its blocks back
/// and later resume by copying them in again instead of recomputing its prompt.
///
/// A store only copies. Which slot holds which request's block is the scheduler's
/// accounting; a slot's bytes are laid out as `KVPool.copyBlock` writes them (keys, then
/// values), so a slot saved from one pool restores into any pool of the same model.
///
/// Thread safety: saves and restores of *different* slots may run at the same time on
/// different threads (the background `Checkpointer` saves while the engine thread restores).
/// One slot is never saved and restored at once, and a block is not written while it is being
/// saved: the engine's barrier (`Checkpointer.waitUntilIdle`) at the start of each step
/// ensures both, so stores need no lock of their own.
public protocol CheckpointStore: AnyObject, Sendable {
    /// How many blocks the store holds.
    var slotCount: Int { get }
    /// Bytes of one slot: the `bytesPerBlock` of the KV pools it serves.
    var bytesPerSlot: Int { get }

    /// Copies KV block `block` of `kv` into `slot`, replacing what the slot held.
    func save(block: Int, of kv: KVPool, into slot: Int) throws(CheckpointError)

    /// Copies `slot` back into KV block `block` of `kv`.
    func restore(slot: Int, into block: Int, of kv: KVPool) throws(CheckpointError)
}

extension CheckpointStore {
    /// Total bytes the store can hold.
    public var capacityBytes: Int { slotCount * bytesPerSlot }

    /// The checks every save and restore makes before touching memory, so a wrong index from
    /// slot accounting is an error rather than a write outside the buffer.
    func checkCopy(slot: Int, block: Int, kv: KVPool) throws(CheckpointError) {
        guard kv.bytesPerBlock == bytesPerSlot else {
            throw .blockSizeMismatch(bytesPerBlock: kv.bytesPerBlock, bytesPerSlot: bytesPerSlot)
        }
        guard slot >= 0, slot < slotCount else { throw .slotOutOfRange(slot: slot, slotCount: slotCount) }
        guard block >= 0, block < kv.blockCount else { throw .blockOutOfRange(block: block, blockCount: kv.blockCount) }
    }
}

/// How many slots of `bytesPerSlot` fit in `budgetBytes`; at least one, or an error.
func checkpointSlotCount(budgetBytes: Int, bytesPerSlot: Int) throws(CheckpointError) -> Int {
    precondition(bytesPerSlot > 0, "a KV block always has bytes")
    guard budgetBytes >= bytesPerSlot else {
        throw .budgetTooSmall(budgetBytes: budgetBytes, bytesPerBlock: bytesPerSlot)
    }
    return budgetBytes / bytesPerSlot
}

/// Why a checkpoint store could not be created, or a save or restore failed.
public enum CheckpointError: Error, Equatable, CustomStringConvertible {
    /// The budget is smaller than one KV block.
    case budgetTooSmall(budgetBytes: Int, bytesPerBlock: Int)
    /// The memory for the tier could not be allocated.
    case outOfMemory(bytes: Int)
    /// The checkpoint directory does not exist.
    case directoryMissing(String)
    /// The checkpoint directory path names something other than a directory.
    case notADirectory(String)
    /// No file could be created in the checkpoint directory.
    case directoryNotWritable(String, reason: String)
    /// The checkpoint file could not be given its size.
    case cannotSizeFile(path: String, bytes: Int, reason: String)
    /// Writing a slot to the checkpoint file failed (a full disk, an I/O error).
    case writeFailed(path: String, slot: Int, reason: String)
    /// Reading a slot back from the checkpoint file failed.
    case readFailed(path: String, slot: Int, reason: String)
    /// A slot index outside the store: a bug in slot accounting.
    case slotOutOfRange(slot: Int, slotCount: Int)
    /// A block index outside the KV pool: a bug in block accounting.
    case blockOutOfRange(block: Int, blockCount: Int)
    /// The store's slots and the pool's blocks differ in size.
    case blockSizeMismatch(bytesPerBlock: Int, bytesPerSlot: Int)
    /// The checkpointer was stopped before this save ran, so the block was not saved.
    case checkpointerStopped

    public var description: String {
        switch self {
        case let .budgetTooSmall(budget, block):
            "a checkpoint budget of \(ByteSize.format(budget)) holds no KV block (one block is \(ByteSize.format(block))); give --checkpoint-memory at least \(ByteSize.format(block)), or leave checkpointing off"
        case let .outOfMemory(bytes):
            "could not allocate \(ByteSize.format(bytes)) for KV checkpoints; lower --checkpoint-memory, or pass --checkpoint-dir to keep them in a file"
        case let .directoryMissing(path):
            "checkpoint directory \(path) does not exist; create it or pass another --checkpoint-dir"
        case let .notADirectory(path):
            "\(path) is not a directory; pass a directory to --checkpoint-dir"
        case let .directoryNotWritable(path, reason):
            "cannot create a checkpoint file in \(path) (\(reason)); make the directory writable or pass another --checkpoint-dir"
        case let .cannotSizeFile(path, bytes, reason):
            "cannot make checkpoint file \(path) \(ByteSize.format(bytes)) long (\(reason)); lower --checkpoint-memory or pass a --checkpoint-dir on another file system"
        case let .writeFailed(path, slot, reason):
            "writing checkpoint slot \(slot) to \(path) failed (\(reason)); free space on that disk or lower --checkpoint-memory"
        case let .readFailed(path, slot, reason):
            "reading checkpoint slot \(slot) from \(path) failed (\(reason)); the request's KV will be recomputed; make sure nothing else modifies or removes files in the checkpoint directory"
        case let .slotOutOfRange(slot, count):
            "checkpoint slot \(slot) is outside the store's \(count) slots: a bug in checkpoint slot accounting; please report it"
        case let .blockOutOfRange(block, count):
            "KV block \(block) is outside the pool's \(count) blocks: a bug in block accounting; please report it"
        case let .blockSizeMismatch(block, slot):
            "checkpoint slots hold \(slot) bytes but the KV pool's blocks are \(block) bytes; create the store with bytesPerSlot: kv.bytesPerBlock"
        case .checkpointerStopped:
            "the checkpointer was stopped before this block was saved; the request's KV will be recomputed"
        }
    }
}
