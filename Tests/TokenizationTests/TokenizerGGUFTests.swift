import Foundation
import GGUF
import Testing
@testable import Tokenization

/// Builds a minimal GGUF (version 3, no tensors) holding the given metadata.
struct GGUFBuilder {
    enum Value {
        case string(String), strings([String]), int32s([Int32]), floats([Float]), uint32(UInt32), bool(Bool)
    }

    var entries: [(String, Value)] = []

    func bytes() -> [UInt8] {
        var out: [UInt8] = []
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func str(_ s: String) { u64(UInt64(s.utf8.count)); out.append(contentsOf: s.utf8) }
        u32(0x4655_4747); u32(3); u64(0); u64(UInt64(entries.count))
        for (key, value) in entries {
            str(key)
            switch value {
            case let .string(s): u32(8); str(s)
            case let .strings(a): u32(9); u32(8); u64(UInt64(a.count)); a.forEach(str)
            case let .int32s(a): u32(9); u32(5); u64(UInt64(a.count)); a.forEach { u32(UInt32(bitPattern: $0)) }
            case let .floats(a): u32(9); u32(6); u64(UInt64(a.count)); a.forEach { u32($0.bitPattern) }
            case let .uint32(v): u32(4); u32(v)
            case let .bool(b): u32(7); out.append(b ? 1 : 0)
            }
        }
        return out
    }

    func tokenizer() throws -> Tokenizer {
        let data = bytes()
        let file = try data.withUnsafeBytes { raw -> GGUFFile in
            // GGUFFile keeps the pointer: hand it a copy that lives as long as the file.
            let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: raw.count, alignment: 64)
            copy.copyMemory(from: raw)
            let address = UInt(bitPattern: copy.baseAddress)
            return try GGUFFile(bytes: UnsafeRawBufferPointer(copy)) {
                UnsafeMutableRawPointer(bitPattern: address)?.deallocate()
            }
        }
        return try Tokenizer(gguf: file)
    }
}

@Suite("Building from GGUF metadata")
struct TokenizerGGUFTests {
    /// A byte-level vocabulary: the 256 byte spellings plus "ab", merges "a b".
    static func byteLevel(pre: String?) -> GGUFBuilder {
        var tokens = (0..<256).map { ByteLevel.spelling(of: [UInt8($0)]) }
        tokens += ["ab", "<|end|>"]
        var b = GGUFBuilder()
        b.entries.append(("tokenizer.ggml.model", .string("gpt2")))
        if let pre { b.entries.append(("tokenizer.ggml.pre", .string(pre))) }
        b.entries.append(("tokenizer.ggml.tokens", .strings(tokens)))
        b.entries.append(("tokenizer.ggml.token_type", .int32s([Int32](repeating: 1, count: 257) + [3])))
        b.entries.append(("tokenizer.ggml.merges", .strings(["a b"])))
        b.entries.append(("tokenizer.ggml.eos_token_id", .uint32(257)))
        return b
    }

    @Test("a byte-level vocabulary from metadata encodes and decodes")
    func byteLevelFromMetadata() throws {
        let t = try Self.byteLevel(pre: "gpt2").tokenizer()
        #expect(t.model == .byteLevelBPE(.gpt2))
        #expect(t.encode("abc<|end|>") == [256, 99, 257])
        #expect(t.decode([256, 99, 257], skipSpecial: true) == "abc")
        #expect(t.eosID == 257)
        #expect(t.isEndOfGeneration(257))
        #expect(t.bosID == nil)
    }

    @Test("no tokenizer.ggml.pre means llama.cpp's default pattern")
    func missingPre() throws {
        #expect(try Self.byteLevel(pre: nil).tokenizer().model == .byteLevelBPE(.default))
    }

    @Test("unknown model, unknown pre-tokenizer and missing keys are typed errors")
    func errors() throws {
        #expect(throws: TokenizerError.unsupportedPreTokenizer("tekken")) {
            try Self.byteLevel(pre: "tekken").tokenizer()
        }
        var b = Self.byteLevel(pre: "gpt2")
        b.entries[0] = ("tokenizer.ggml.model", .string("bert"))
        #expect(throws: TokenizerError.unsupportedModel("bert")) { try b.tokenizer() }
        var noMerges = Self.byteLevel(pre: "gpt2")
        noMerges.entries.removeAll { $0.0 == "tokenizer.ggml.merges" }
        #expect(throws: TokenizerError.missingMetadata(key: "tokenizer.ggml.merges")) { try noMerges.tokenizer() }
        #expect(throws: TokenizerError.missingMetadata(key: "tokenizer.ggml.model")) { try GGUFBuilder().tokenizer() }
        #expect(TokenizerError.unsupportedPreTokenizer("x").description.contains("smollm"))
    }

    @Test("a SentencePiece vocabulary from metadata uses its defaults: BOS added, space prefix")
    func sentencePieceFromMetadata() throws {
        var b = GGUFBuilder()
        b.entries.append(("tokenizer.ggml.model", .string("llama")))
        b.entries.append(("tokenizer.ggml.tokens", .strings(["<unk>", "<s>", "</s>", "▁hi", "▁", "h", "i", "hi"])))
        b.entries.append(("tokenizer.ggml.scores", .floats([0, 0, 0, -1, -2, -3, -3, -1.5])))
        b.entries.append(("tokenizer.ggml.token_type", .int32s([2, 3, 3, 1, 1, 1, 1, 1])))
        let t = try b.tokenizer()
        #expect(t.model == .sentencePiece)
        #expect(t.addBOS && t.bosID == 1 && t.eosID == 2)
        #expect(t.encode("hi", addSpecial: true) == [1, 3])
        #expect(t.decode([1, 3], skipSpecial: true) == "hi")
        #expect(t.isEndOfGeneration(2))
    }
}
