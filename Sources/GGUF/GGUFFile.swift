#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A GGUF model file (versions 2 and 3), memory-mapped read-only.
///
/// Parsing checks every count, length and offset against the file size, so a truncated or
/// hostile file is a `GGUFError`. Tensor data is never copied or converted: `data(for:)`
/// returns a pointer into the mapping, which lives as long as this object.
public final class GGUFFile: @unchecked Sendable {
    public let path: String
    public let version: UInt32
    /// Metadata in file order.
    public let metadataKeys: [String]
    public let metadata: [String: GGUFValue]
    /// Tensors in file order.
    public let tensors: [GGUFTensorInfo]
    public let alignment: Int
    /// Absolute offset where the tensor data section begins.
    public let dataOffset: Int
    public let fileSize: Int

    private let tensorIndex: [String: Int]
    private let base: UnsafeRawPointer
    private let unmap: (@Sendable () -> Void)?

    /// Maps and parses the file at `path`.
    public convenience init(path: String) throws(GGUFError) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw .cannotOpen(path: path, reason: "not a regular file") }
        let size = Int(st.st_size)
        guard size > 0 else { throw .truncated(what: "header", offset: 0) }
        guard let mapping = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), mapping != MAP_FAILED else {
            throw .cannotOpen(path: path, reason: "mmap failed: \(String(cString: strerror(errno)))")
        }
        let address = UInt(bitPattern: mapping)
        try self.init(path: path, bytes: UnsafeRawBufferPointer(start: mapping, count: size)) {
            munmap(UnsafeMutableRawPointer(bitPattern: address), size)
        }
    }

    /// Parses a GGUF image already in memory. `release` runs when the file object goes away.
    public init(path: String = "<memory>", bytes: UnsafeRawBufferPointer, release: (@Sendable () -> Void)? = nil) throws(GGUFError) {
        do {
            var reader = ByteReader(bytes: bytes)
            let magic = try reader.read(UInt32.self, "magic")
            guard magic == 0x4655_4747 else { throw GGUFError.badMagic(found: magic) }
            let version = try reader.read(UInt32.self, "version")
            guard version == 2 || version == 3 else { throw GGUFError.unsupportedVersion(version) }
            let tensorCount = try reader.read(UInt64.self, "tensor count")
            let kvCount = try reader.read(UInt64.self, "metadata count")
            // Each key-value pair takes at least 12 bytes and each tensor info at least 24.
            guard kvCount <= UInt64(reader.remaining / 12) else { throw GGUFError.countTooLarge(what: "metadata", count: kvCount) }
            guard tensorCount <= UInt64(reader.remaining / 24) else { throw GGUFError.countTooLarge(what: "tensor", count: tensorCount) }

            var keys: [String] = []
            var metadata: [String: GGUFValue] = [:]
            for _ in 0 ..< Int(kvCount) {
                let key = try reader.readString("metadata key")
                let type = try reader.read(UInt32.self, "value type of \(key)")
                let value = try Self.readValue(&reader, type: type, key: key, depth: 0)
                guard metadata.updateValue(value, forKey: key) == nil else { throw GGUFError.duplicateKey(key) }
                keys.append(key)
            }

            var alignment = 32
            if let value = metadata["general.alignment"] {
                guard let a = value.intValue, a > 0, a & (a - 1) == 0, a <= 1 << 20 else {
                    throw GGUFError.badAlignment(UInt64(truncatingIfNeeded: value.intValue ?? 0))
                }
                alignment = a
            }

            var raw: [(name: String, dims: [Int], type: TensorType, offset: UInt64)] = []
            raw.reserveCapacity(Int(tensorCount))
            for _ in 0 ..< Int(tensorCount) {
                let name = try reader.readString("tensor name")
                let nDims = try reader.read(UInt32.self, "dimension count of \(name)")
                guard nDims <= 4 else { throw GGUFError.tooManyDimensions(tensor: name, count: nDims) }
                var dims64: [UInt64] = []
                for _ in 0 ..< nDims { dims64.append(try reader.read(UInt64.self, "dimensions of \(name)")) }
                let typeID = try reader.read(UInt32.self, "type of \(name)")
                let offset = try reader.read(UInt64.self, "data offset of \(name)")
                guard dims64.allSatisfy({ $0 > 0 && $0 <= UInt64(Int32.max) }) else {
                    throw GGUFError.invalidDimension(tensor: name, dims: dims64)
                }
                guard let type = TensorType(rawValue: typeID) else { throw GGUFError.unknownTensorType(tensor: name, type: typeID) }
                raw.append((name, dims64.map { Int($0) }, type, offset))
            }

            let dataOffset = (reader.offset + alignment - 1) / alignment * alignment
            var tensors: [GGUFTensorInfo] = []
            var index: [String: Int] = [:]
            for t in raw {
                var elements = 1
                for d in t.dims {
                    let (product, overflow) = elements.multipliedReportingOverflow(by: d)
                    guard !overflow, product <= 1 << 48 else { throw GGUFError.sizeOverflow(tensor: t.name) }
                    elements = product
                }
                let rowElements = t.dims.first ?? 1
                guard rowElements % t.type.blockElements == 0 else {
                    throw GGUFError.rowNotBlockAligned(tensor: t.name, rowElements: rowElements, blockElements: t.type.blockElements)
                }
                let byteCount = elements / t.type.blockElements * t.type.blockBytes
                guard t.offset % UInt64(alignment) == 0 else {
                    throw GGUFError.misalignedTensor(tensor: t.name, offset: t.offset, alignment: alignment)
                }
                let (start, o1) = UInt64(dataOffset).addingReportingOverflow(t.offset)
                let (end, o2) = start.addingReportingOverflow(UInt64(byteCount))
                guard !o1, !o2, end <= UInt64(bytes.count) else {
                    throw GGUFError.tensorOutOfBounds(tensor: t.name, end: o1 || o2 ? UInt64.max : end, fileSize: bytes.count)
                }
                guard index.updateValue(tensors.count, forKey: t.name) == nil else { throw GGUFError.duplicateTensor(t.name) }
                tensors.append(GGUFTensorInfo(name: t.name, dims: t.dims, type: t.type, fileOffset: Int(start), byteCount: byteCount))
            }

            self.path = path
            self.version = version
            self.metadataKeys = keys
            self.metadata = metadata
            self.tensors = tensors
            self.tensorIndex = index
            self.alignment = alignment
            self.dataOffset = dataOffset
            self.fileSize = bytes.count
            self.base = UnsafeRawPointer(bytes.baseAddress!)
            self.unmap = release
        } catch let error as GGUFError {
            release?()
            throw error
        } catch {
            release?()
            throw GGUFError.cannotOpen(path: path, reason: "\(error)")
        }
    }

    deinit { unmap?() }

    private static func readValue(_ reader: inout ByteReader, type: UInt32, key: String, depth: Int) throws(GGUFError) -> GGUFValue {
        switch type {
        case 0: return .uint8(try reader.read(UInt8.self, key))
        case 1: return .int8(try reader.read(Int8.self, key))
        case 2: return .uint16(try reader.read(UInt16.self, key))
        case 3: return .int16(try reader.read(Int16.self, key))
        case 4: return .uint32(try reader.read(UInt32.self, key))
        case 5: return .int32(try reader.read(Int32.self, key))
        case 6: return .float32(try reader.readFloat(key))
        case 7: return .bool(try reader.read(UInt8.self, key) != 0)
        case 8: return .string(try reader.readString(key))
        case 9:
            guard depth < 4 else { throw .nestingTooDeep(key: key) }
            let elementType = try reader.read(UInt32.self, "array type of \(key)")
            let count = try reader.read(UInt64.self, "array length of \(key)")
            guard let minSize = minimumSize(of: elementType) else { throw .unknownValueType(elementType, key: key) }
            guard count <= UInt64(reader.remaining / minSize) else { throw .countTooLarge(what: "array \(key)", count: count) }
            var items: [GGUFValue] = []
            items.reserveCapacity(Int(count))
            for _ in 0 ..< Int(count) {
                items.append(try readValue(&reader, type: elementType, key: key, depth: depth + 1))
            }
            return .array(items)
        case 10: return .uint64(try reader.read(UInt64.self, key))
        case 11: return .int64(try reader.read(Int64.self, key))
        case 12: return .float64(try reader.readDouble(key))
        default: throw .unknownValueType(type, key: key)
        }
    }

    /// The fewest bytes one value of a type can occupy (an empty string or array still has its length).
    private static func minimumSize(of type: UInt32) -> Int? {
        switch type {
        case 0, 1, 7: 1
        case 2, 3: 2
        case 4, 5, 6: 4
        case 8, 10, 11, 12: 8
        case 9: 12
        default: nil
        }
    }

    public func tensor(named name: String) -> GGUFTensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    /// A pointer to the tensor's bytes inside the mapping.
    public func data(for tensor: GGUFTensorInfo) -> UnsafeRawPointer {
        base + tensor.fileOffset
    }
}
