@testable import GGUF

/// Writes small GGUF images byte by byte, so tests can build valid files and then break them.
struct GGUFBuilder {
    var magic: UInt32 = 0x4655_4747
    var version: UInt32 = 3
    var alignment = 32
    private(set) var metadata: [[UInt8]] = []
    private(set) var metadataCount = 0
    private(set) var tensorInfos: [[UInt8]] = []
    private(set) var tensorData: [UInt8] = []
    var tensorCountOverride: UInt64?
    var metadataCountOverride: UInt64?

    static func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
    static func string(_ s: String) -> [UInt8] { le(UInt64(s.utf8.count)) + Array(s.utf8) }

    mutating func add(_ key: String, type: UInt32, payload: [UInt8]) {
        metadata.append(Self.string(key) + Self.le(type) + payload)
        metadataCount += 1
    }
    mutating func add(_ key: String, uint32 v: UInt32) { add(key, type: 4, payload: Self.le(v)) }
    mutating func add(_ key: String, float v: Float) { add(key, type: 6, payload: Self.le(v.bitPattern)) }
    mutating func add(_ key: String, string v: String) { add(key, type: 8, payload: Self.string(v)) }
    mutating func add(_ key: String, strings: [String]) {
        add(key, type: 9, payload: Self.le(UInt32(8)) + Self.le(UInt64(strings.count)) + strings.flatMap(Self.string))
    }

    /// Adds a tensor whose data is `bytes`, placed at the next aligned offset.
    mutating func addTensor(_ name: String, dims: [UInt64], type: UInt32, bytes: [UInt8], offsetOverride: UInt64? = nil) {
        while tensorData.count % alignment != 0 { tensorData.append(0) }
        let offset = offsetOverride ?? UInt64(tensorData.count)
        tensorData += bytes
        tensorInfos.append(Self.string(name) + Self.le(UInt32(dims.count)) + dims.flatMap { Self.le($0) } + Self.le(type) + Self.le(offset))
    }

    func build() -> [UInt8] {
        var out = Self.le(magic) + Self.le(version)
        out += Self.le(tensorCountOverride ?? UInt64(tensorInfos.count))
        out += Self.le(metadataCountOverride ?? UInt64(metadataCount))
        for m in metadata { out += m }
        for t in tensorInfos { out += t }
        while out.count % alignment != 0 { out.append(0) }
        return out + tensorData
    }

    /// A small valid file: a few metadata types, an F32 vector and a Q8_0 matrix.
    static func sample() -> GGUFBuilder {
        var b = GGUFBuilder()
        b.add("general.architecture", string: "llama")
        b.add("llama.block_count", uint32: 2)
        b.add("llama.rope.freq_base", float: 10000)
        b.add("tokenizer.ggml.tokens", strings: ["a", "b", "c"])
        b.add("test.bool", type: 7, payload: [1])
        b.add("test.i64", type: 11, payload: le(Int64(-5)))
        b.add("test.f64", type: 12, payload: le(Double(2.5).bitPattern))
        b.add("test.nested", type: 9, payload: le(UInt32(9)) + le(UInt64(1)) + le(UInt32(4)) + le(UInt64(2)) + le(UInt32(7)) + le(UInt32(8)))
        b.addTensor("norm.weight", dims: [8], type: 0, bytes: (0 ..< 8).flatMap { le(Float($0).bitPattern) })
        b.addTensor("w.weight", dims: [32, 2], type: 8, bytes: [UInt8](repeating: 1, count: 68))
        return b
    }
}

/// Parses bytes through the same entry point as a mapped file.
func parse(_ bytes: [UInt8]) throws(GGUFError) -> GGUFFile {
    let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 64)
    copy.copyBytes(from: bytes)
    let address = UInt(bitPattern: copy.baseAddress!)
    return try GGUFFile(bytes: UnsafeRawBufferPointer(rebasing: copy[0 ..< bytes.count])) {
        UnsafeMutableRawPointer(bitPattern: address)!.deallocate()
    }
}
