#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LlamaModel

/// Checkpoint slots in a file (`--checkpoint-dir`): slot `s` lives at byte offset
/// `s × bytesPerSlot`, keys then values, as `KVPool.copyBlock` lays a block out.
///
/// The file is created with a unique name in the given directory and sized with `ftruncate`,
/// so it is sparse: disk space is used only as slots are written, and a full disk shows up as
/// a failed save (which the engine answers by recomputing), not at start-up. Blocks go
/// straight between the KV pool and the file with `pwrite`/`pread`, no staging copy; the
/// offset-taking calls share one descriptor safely across threads.
///
/// No fsync: a checkpoint only has to outlive a pause inside this process, not a crash. The
/// file is removed when the store is deinitialized; a process killed outright leaves it
/// behind, named `conserve-checkpoint-XXXXXX`.
///
/// The file is outside the process's control (anything may truncate or overwrite it), so each
/// save keeps a checksum of the block in memory and each restore checks the bytes it read
/// against it: a damaged slot is a failed restore, which the engine answers by recomputing that
/// request, never KV that silently gives wrong tokens.
public final class FileCheckpointStore: CheckpointStore, @unchecked Sendable {
    // @unchecked: every stored property is immutable; pwrite and pread carry their own
    // offsets, and concurrent calls touch disjoint slots (see `CheckpointStore`), so each
    // element of `checksums` has one writer at a time, ordered by the engine's barrier.
    public let slotCount: Int
    public let bytesPerSlot: Int
    /// The checkpoint file.
    public let path: String
    private let descriptor: Int32
    /// Per slot, the checksum of the block last saved into it.
    private let checksums: UnsafeMutableBufferPointer<UInt64>

    /// Creates the checkpoint file in `directory`, sized for as many slots of `bytesPerSlot`
    /// (use `kv.bytesPerBlock`) as fit in `budgetBytes`.
    /// - Throws: `.budgetTooSmall`, `.directoryMissing`, `.notADirectory`,
    ///   `.directoryNotWritable` or `.cannotSizeFile`, each saying what to change.
    public init(directory: String, budgetBytes: Int, bytesPerSlot: Int) throws(CheckpointError) {
        let slotCount = try checkpointSlotCount(budgetBytes: budgetBytes, bytesPerSlot: bytesPerSlot)
        var info = stat()
        guard stat(directory, &info) == 0 else {
            let error = errno
            if error == ENOENT || error == ENOTDIR { throw .directoryMissing(directory) }
            throw .directoryNotWritable(directory, reason: Self.describe(error))
        }
        guard info.st_mode & S_IFMT == S_IFDIR else { throw .notADirectory(directory) }

        // mkstemp picks a name no other store (or process) has and opens it exclusively.
        let base = directory.hasSuffix("/") ? directory : directory + "/"
        var template = Array((base + "conserve-checkpoint-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw .directoryNotWritable(directory, reason: Self.describe(errno)) }
        let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        // Keep the descriptor out of processes the engine spawns (pip, for instance).
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)

        let bytes = slotCount * bytesPerSlot
        var sized: Int32
        repeat { sized = ftruncate(descriptor, off_t(bytes)) } while sized != 0 && errno == EINTR
        guard sized == 0 else {
            let reason = Self.describe(errno)
            close(descriptor)
            unlink(path)
            throw .cannotSizeFile(path: path, bytes: bytes, reason: reason)
        }
        self.slotCount = slotCount
        self.bytesPerSlot = bytesPerSlot
        self.path = path
        self.descriptor = descriptor
        checksums = .allocate(capacity: slotCount)
        checksums.initialize(repeating: 0)
    }

    deinit {
        close(descriptor)
        unlink(path)
        checksums.deallocate()
    }

    public func save(block: Int, of kv: KVPool, into slot: Int) throws(CheckpointError) {
        try checkCopy(slot: slot, block: block, kv: kv)
        let half = bytesPerSlot / 2, offset = slot * bytesPerSlot
        let keys = UnsafeRawPointer(kv.keys + block * kv.blockStride)
        let values = UnsafeRawPointer(kv.values + block * kv.blockStride)
        if let reason = writeAll(keys, count: half, at: offset) ?? writeAll(values, count: half, at: offset + half) {
            throw .writeFailed(path: path, slot: slot, reason: reason)
        }
        checksums[slot] = Self.checksum(keys, values, count: half)
    }

    public func restore(slot: Int, into block: Int, of kv: KVPool) throws(CheckpointError) {
        try checkCopy(slot: slot, block: block, kv: kv)
        let half = bytesPerSlot / 2, offset = slot * bytesPerSlot
        let keys = UnsafeMutableRawPointer(kv.keys + block * kv.blockStride)
        let values = UnsafeMutableRawPointer(kv.values + block * kv.blockStride)
        if let reason = readAll(into: keys, count: half, at: offset) ?? readAll(into: values, count: half, at: offset + half) {
            throw .readFailed(path: path, slot: slot, reason: reason)
        }
        guard Self.checksum(keys, values, count: half) == checksums[slot] else {
            throw .readFailed(path: path, slot: slot, reason: "the bytes read back differ from those saved")
        }
    }

    /// A 64-bit checksum of two regions of `count` bytes, a word at a time: cheap next to the
    /// copy, and any change to the bytes almost surely changes it.
    static func checksum(_ first: UnsafeRawPointer, _ second: UnsafeRawPointer, count: Int) -> UInt64 {
        var hash: UInt64 = 0x9E37_79B9_7F4A_7C15
        for region in [first, second] {
            let words = count / 8
            for i in 0 ..< words {
                hash = (hash ^ region.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)) &* 0x0000_0100_0000_01B3
                hash ^= hash >> 29
            }
            for i in words * 8 ..< count {
                hash = (hash ^ UInt64(region.load(fromByteOffset: i, as: UInt8.self))) &* 0x0000_0100_0000_01B3
            }
        }
        return hash
    }

    /// Writes `count` bytes at `offset`, resuming after short writes and signals.
    /// Returns nil, or why it failed.
    private func writeAll(_ source: UnsafeRawPointer, count: Int, at offset: Int) -> String? {
        var done = 0
        while done < count {
            let written = pwrite(descriptor, source + done, count - done, off_t(offset + done))
            if written > 0 {
                done += written
            } else if written < 0, errno == EINTR {
                continue
            } else {
                // 0 bytes for a non-empty write is no progress; treat it as a failure, not a spin.
                return written < 0 ? Self.describe(errno) : "the file system accepted no bytes"
            }
        }
        return nil
    }

    /// Reads `count` bytes at `offset`, resuming after short reads and signals.
    /// Returns nil, or why it failed.
    private func readAll(into destination: UnsafeMutableRawPointer, count: Int, at offset: Int) -> String? {
        var done = 0
        while done < count {
            let read = pread(descriptor, destination + done, count - done, off_t(offset + done))
            if read > 0 {
                done += read
            } else if read < 0, errno == EINTR {
                continue
            } else {
                return read < 0 ? Self.describe(errno) : "the file ends early; was it truncated?"
            }
        }
        return nil
    }

    private static func describe(_ error: Int32) -> String {
        String(cString: strerror(error))
    }
}
