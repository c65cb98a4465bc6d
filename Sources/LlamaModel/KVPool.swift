#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The paged KV memory: one pool of fixed-size blocks shared by every sequence.
///
/// A block holds `blockSize` consecutive positions of one sequence for every layer, keys and
/// values in two arrays of IEEE half-precision values (`Element`, as llama.cpp's default f16
/// cache): half the memory of f32, and half the bytes attention reads per position. A key or
/// value is rounded once, when its token is written; attention widens it to f32 as it reads. Block-major layout (block, layer, slot, kv head, dim) keeps a whole
/// block contiguous, so saving or restoring a block for a checkpoint is one copy per array.
/// Memory comes from calloc, so pages become resident only as blocks are first written.
/// Which block belongs to which sequence is decided elsewhere (the scheduler's block tables).
public final class KVPool: @unchecked Sendable {
    /// One stored key or value: the bit pattern of an IEEE binary16 number.
    public typealias Element = UInt16

    public let blockSize: Int
    public let blockCount: Int
    public let layerCount: Int
    public let kvDim: Int
    public let keys: UnsafeMutablePointer<Element>
    public let values: UnsafeMutablePointer<Element>

    /// Elements between slot s and s+1 of one layer in a block.
    public var slotStride: Int { kvDim }
    /// Elements between layer l and l+1 of one block.
    public var layerStride: Int { blockSize * kvDim }
    /// Elements between block b and b+1.
    public var blockStride: Int { layerCount * blockSize * kvDim }
    /// Bytes one block occupies, keys and values together.
    public var bytesPerBlock: Int { 2 * blockStride * MemoryLayout<Element>.stride }
    /// Bytes of keys and values one position takes across all layers.
    public static func bytesPerPosition(_ config: ModelConfig) -> Int {
        2 * config.layerCount * config.kvDim * MemoryLayout<Element>.stride
    }

    public init(config: ModelConfig, blockCount: Int, blockSize: Int = 16) {
        precondition(blockCount > 0 && blockSize > 0)
        self.blockSize = blockSize
        self.blockCount = blockCount
        self.layerCount = config.layerCount
        self.kvDim = config.kvDim
        let elements = blockCount * config.layerCount * blockSize * config.kvDim
        keys = calloc(elements, MemoryLayout<Element>.stride)!.assumingMemoryBound(to: Element.self)
        values = calloc(elements, MemoryLayout<Element>.stride)!.assumingMemoryBound(to: Element.self)
    }

    deinit {
        free(keys)
        free(values)
    }

    /// How many blocks fit in `bytes` for this model.
    public static func blockCount(fittingBytes bytes: Int, config: ModelConfig, blockSize: Int = 16) -> Int {
        bytes / (blockSize * bytesPerPosition(config))
    }

    /// Offset (in elements) of one position's keys or values for a layer.
    @inline(__always)
    public func offset(block: Int, layer: Int, slot: Int) -> Int {
        block * blockStride + layer * layerStride + slot * slotStride
    }

    /// Copies one whole block (keys then values) into `destination` (`bytesPerBlock` bytes).
    public func copyBlock(_ block: Int, to destination: UnsafeMutableRawPointer) {
        let bytes = blockStride * MemoryLayout<Element>.stride
        memcpy(destination, keys + block * blockStride, bytes)
        memcpy(destination + bytes, values + block * blockStride, bytes)
    }

    /// Writes one whole block back from a copy made by `copyBlock`.
    public func restoreBlock(_ block: Int, from source: UnsafeRawPointer) {
        let bytes = blockStride * MemoryLayout<Element>.stride
        memcpy(keys + block * blockStride, source, bytes)
        memcpy(values + block * blockStride, source + bytes, bytes)
    }
}
