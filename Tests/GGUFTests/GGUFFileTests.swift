import Foundation
import Testing
@testable import GGUF

@Suite struct GGUFFileTests {
    @Test func parsesEveryMetadataTypeAndTensorInfo() throws {
        let file = try parse(GGUFBuilder.sample().build())
        #expect(file.version == 3)
        #expect(file.architecture == "llama")
        #expect(file.int("llama.block_count") == 2)
        #expect(file.double("llama.rope.freq_base") == 10000)
        #expect(file.stringArray("tokenizer.ggml.tokens") == ["a", "b", "c"])
        #expect(file.bool("test.bool") == true)
        #expect(file.int("test.i64") == -5)
        #expect(file.double("test.f64") == 2.5)
        #expect(file.metadata["test.nested"] == .array([.array([.uint32(7), .uint32(8)])]))
        #expect(file.metadataKeys.first == "general.architecture")
        #expect(file.tensors.map(\.name) == ["norm.weight", "w.weight"])
        let w = try #require(file.tensor(named: "w.weight"))
        #expect(w.type == .q8_0 && w.dims == [32, 2] && w.byteCount == 68 && w.rowBytes == 34)
        #expect(w.fileOffset % 32 == 0)
        let norm = try #require(file.tensor(named: "norm.weight"))
        let values = file.data(for: norm).assumingMemoryBound(to: Float.self)
        #expect((0 ..< 8).map { values[$0] } == (0 ..< 8).map(Float.init))
    }

    @Test func readsVersion2() throws {
        var b = GGUFBuilder.sample()
        b.version = 2
        #expect(try parse(b.build()).version == 2)
    }

    @Test func honoursCustomAlignment() throws {
        var b = GGUFBuilder()
        b.alignment = 64
        b.add("general.alignment", uint32: 64)
        b.addTensor("a", dims: [4], type: 0, bytes: [UInt8](repeating: 0, count: 16))
        b.addTensor("b", dims: [4], type: 0, bytes: [UInt8](repeating: 0, count: 16))
        let file = try parse(b.build())
        #expect(file.alignment == 64)
        #expect(file.tensors.allSatisfy { $0.fileOffset % 64 == 0 })
    }

    @Test func rejectsBadMagic() {
        var b = GGUFBuilder.sample()
        b.magic = 0x1234_5678
        #expect(throws: GGUFError.badMagic(found: 0x1234_5678)) { try parse(b.build()) }
    }

    @Test(arguments: [UInt32(1), 4, 99])
    func rejectsUnsupportedVersion(version: UInt32) {
        var b = GGUFBuilder.sample()
        b.version = version
        #expect(throws: GGUFError.unsupportedVersion(version)) { try parse(b.build()) }
    }

    @Test func everyTruncationIsATypedError() {
        let bytes = GGUFBuilder.sample().build()
        for length in 0 ..< bytes.count {
            #expect(throws: GGUFError.self, "prefix of \(length) bytes") { try parse(Array(bytes[0 ..< length])) }
        }
    }

    @Test func rejectsHugeCounts() {
        var b = GGUFBuilder.sample()
        b.tensorCountOverride = UInt64.max
        #expect(throws: GGUFError.countTooLarge(what: "tensor", count: UInt64.max)) { try parse(b.build()) }
        b = GGUFBuilder.sample()
        b.metadataCountOverride = 1 << 40
        #expect(throws: GGUFError.countTooLarge(what: "metadata", count: 1 << 40)) { try parse(b.build()) }
    }

    @Test func rejectsStringLongerThanTheFile() {
        var b = GGUFBuilder()
        b.add("k", type: 8, payload: GGUFBuilder.le(UInt64(1) << 62) + [0x41])
        #expect(throws: GGUFError.truncated(what: "k", offset: 37)) { try parse(b.build()) }
    }

    @Test func rejectsHugeArray() {
        var b = GGUFBuilder()
        b.add("k", type: 9, payload: GGUFBuilder.le(UInt32(10)) + GGUFBuilder.le(UInt64(1) << 60))
        #expect(throws: GGUFError.countTooLarge(what: "array k", count: 1 << 60)) { try parse(b.build()) }
    }

    @Test func rejectsUnknownValueTypeAndBadUTF8AndDuplicates() {
        var b = GGUFBuilder()
        b.add("k", type: 42, payload: [0, 0, 0, 0])
        #expect(throws: GGUFError.unknownValueType(42, key: "k")) { try parse(b.build()) }
        b = GGUFBuilder()
        b.add("k", type: 8, payload: GGUFBuilder.le(UInt64(2)) + [0xC3, 0x28])
        #expect(throws: GGUFError.invalidString(offset: 37)) { try parse(b.build()) }
        b = GGUFBuilder()
        b.add("k", uint32: 1)
        b.add("k", uint32: 2)
        #expect(throws: GGUFError.duplicateKey("k")) { try parse(b.build()) }
    }

    @Test func rejectsDeepNesting() {
        var payload = GGUFBuilder.le(UInt32(4)) + GGUFBuilder.le(UInt64(0))
        for _ in 0 ..< 6 { payload = GGUFBuilder.le(UInt32(9)) + GGUFBuilder.le(UInt64(1)) + payload }
        var b = GGUFBuilder()
        b.add("deep", type: 9, payload: payload)
        #expect(throws: GGUFError.nestingTooDeep(key: "deep")) { try parse(b.build()) }
    }

    @Test func rejectsBadTensorInfos() {
        var b = GGUFBuilder()
        b.addTensor("t", dims: [1, 1, 1, 1, 1], type: 0, bytes: [0, 0, 0, 0])
        #expect(throws: GGUFError.tooManyDimensions(tensor: "t", count: 5)) { try parse(b.build()) }

        b = GGUFBuilder()
        b.addTensor("t", dims: [4], type: 77, bytes: [UInt8](repeating: 0, count: 16))
        #expect(throws: GGUFError.unknownTensorType(tensor: "t", type: 77)) { try parse(b.build()) }

        b = GGUFBuilder()
        b.addTensor("t", dims: [0], type: 0, bytes: [])
        #expect(throws: GGUFError.invalidDimension(tensor: "t", dims: [0])) { try parse(b.build()) }

        b = GGUFBuilder()
        b.addTensor("t", dims: [1 << 30, 1 << 30, 1 << 30], type: 0, bytes: [])
        #expect(throws: GGUFError.sizeOverflow(tensor: "t")) { try parse(b.build()) }

        b = GGUFBuilder()
        b.addTensor("t", dims: [48], type: 8, bytes: [UInt8](repeating: 0, count: 51))
        #expect(throws: GGUFError.rowNotBlockAligned(tensor: "t", rowElements: 48, blockElements: 32)) { try parse(b.build()) }

        b = GGUFBuilder()
        b.addTensor("t", dims: [4], type: 0, bytes: [UInt8](repeating: 0, count: 16), offsetOverride: 8)
        #expect(throws: GGUFError.misalignedTensor(tensor: "t", offset: 8, alignment: 32)) { try parse(b.build()) }

        b = GGUFBuilder()
        b.addTensor("t", dims: [1024], type: 0, bytes: [UInt8](repeating: 0, count: 16))
        #expect(throws: GGUFError.self) { try parse(b.build()) }

        b = GGUFBuilder()
        b.addTensor("t", dims: [4], type: 0, bytes: [UInt8](repeating: 0, count: 16), offsetOverride: UInt64.max - 31)
        #expect(throws: GGUFError.self) { try parse(b.build()) }

        b = GGUFBuilder()
        b.addTensor("t", dims: [4], type: 0, bytes: [UInt8](repeating: 0, count: 16))
        b.addTensor("t", dims: [4], type: 0, bytes: [UInt8](repeating: 0, count: 16))
        #expect(throws: GGUFError.duplicateTensor("t")) { try parse(b.build()) }
    }

    @Test func rejectsBadAlignment() {
        var b = GGUFBuilder()
        b.add("general.alignment", uint32: 24)
        #expect(throws: GGUFError.badAlignment(24)) { try parse(b.build()) }
    }

    /// Random byte corruption of a valid file must end in success or a typed error, never a crash.
    @Test func survivesRandomCorruption() {
        let bytes = GGUFBuilder.sample().build()
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 { seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407; return seed >> 11 }
        var failures = 0
        for _ in 0 ..< 3000 {
            var mutated = bytes
            for _ in 0 ..< Int(next() % 4) + 1 {
                let i = Int(next() % UInt64(mutated.count))
                mutated[i] = UInt8(truncatingIfNeeded: next())
            }
            do { _ = try parse(mutated) } catch { failures += 1 }
        }
        #expect(failures > 0)
    }

    @Test func missingFileIsATypedError() {
        #expect(throws: GGUFError.self) { try GGUFFile(path: "/nonexistent/model.gguf") }
        #expect(throws: GGUFError.self) { try GGUFFile(path: "/tmp") }
    }
}
