/// A bounds-checked little-endian cursor over the file's bytes. Every read checks the
/// remaining length first, so a hostile file produces `GGUFError.truncated`, never a fault.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    var offset: Int = 0

    var remaining: Int { bytes.count - offset }

    mutating func read<T: FixedWidthInteger>(_: T.Type, _ what: @autoclosure () -> String) throws(GGUFError) -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else { throw .truncated(what: what(), offset: offset) }
        let value = bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += size
        return T(littleEndian: value)
    }

    mutating func readFloat(_ what: @autoclosure () -> String) throws(GGUFError) -> Float {
        Float(bitPattern: try read(UInt32.self, what()))
    }

    mutating func readDouble(_ what: @autoclosure () -> String) throws(GGUFError) -> Double {
        Double(bitPattern: try read(UInt64.self, what()))
    }

    mutating func readString(_ what: @autoclosure () -> String) throws(GGUFError) -> String {
        let start = offset
        let length = try read(UInt64.self, what())
        guard length <= UInt64(remaining) else { throw .truncated(what: what(), offset: start) }
        let count = Int(length)
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset ..< offset + count])
        guard let string = String(validating: slice.bindMemory(to: UInt8.self), as: UTF8.self) else {
            throw .invalidString(offset: start)
        }
        offset += count
        return string
    }
}
