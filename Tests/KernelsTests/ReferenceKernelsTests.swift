import Foundation
import Kernels
import Testing

@Suite("Reference kernels")
struct ReferenceKernelsTests {
    @Test("dequantize matches the gguf Python package bit for bit", arguments: quantFixtures.map(\.name))
    func dequantizeMatchesGGUF(name: String) throws {
        let fixture = try #require(quantFixtures.first { $0.name == name })
        let format = try #require(QuantFormat.allCases.first { $0.name == name })
        let blocks = try #require(Data(base64Encoded: fixture.blocks))
        let expectedBits = try #require(Data(base64Encoded: fixture.values))
        let count = expectedBits.count / 4
        #expect(blocks.count == format.rowBytes(count))
        var got = [Float](repeating: .nan, count: count)
        blocks.withUnsafeBytes { src in
            got.withUnsafeMutableBufferPointer { dst in
                ReferenceKernels.dequantize(format, src.baseAddress!, into: dst.baseAddress!, count: count)
            }
        }
        let expected: [UInt32] = expectedBits.withUnsafeBytes { raw in
            (0..<count).map { raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self) }
        }
        var mismatches = 0
        for i in 0..<count where got[i].bitPattern != expected[i] {
            if mismatches < 5 {
                Issue.record("\(name)[\(i)]: got \(got[i]), expected \(Float(bitPattern: expected[i]))")
            }
            mismatches += 1
        }
        #expect(mismatches == 0)
    }

    @Test("half conversions agree with Swift's Float16")
    func halfConversions() {
        var rng = SplitMix64(seed: 1)
        for bits in stride(from: 0, through: 0xFFFF, by: 1) {
            let h = UInt16(bits)
            let f = HalfFloat.toFloat(h)
            let reference = Float(Float16(bitPattern: h))
            if f.isNaN { #expect(reference.isNaN) } else { #expect(f.bitPattern == reference.bitPattern, "\(h)") }
        }
        for _ in 0..<20000 {
            let magnitude = Float(bitPattern: UInt32.random(in: 0x3000_0000...0x4800_0000, using: &rng))
            let x = Bool.random(using: &rng) ? -magnitude : magnitude
            #expect(HalfFloat.fromFloat(x) == Float16(x).bitPattern, "\(x)")
        }
        #expect(HalfFloat.bf16ToFloat(HalfFloat.bf16FromFloat(1.5)) == 1.5)
        #expect(HalfFloat.bf16FromFloat(Float(bitPattern: 0x3F80_8000)) == 0x3F80)  // tie to even
        #expect(HalfFloat.bf16FromFloat(Float(bitPattern: 0x3F81_8000)) == 0x3F82)
    }

    @Test("activation quantization round trip stays within half a step", arguments: [QuantFormat.q4_1, .q6_K])
    func activationRoundTrip(format: QuantFormat) {
        var rng = SplitMix64(seed: 7)
        let k = 768
        var x = randomActivations(count: k, rng: &rng)
        for i in 256..<288 { x[i] = 0 }  // an all-zero block (q8x32) / zero group
        let act = format.activationFormat
        var encoded = [UInt8](repeating: 0, count: act.rowBytes(k))
        encoded.withUnsafeMutableBytes { ReferenceKernels.quantizeActivations(x, k: k, for: format, into: $0.baseAddress!) }
        encoded.withUnsafeBytes { raw in
            let row = raw.baseAddress!
            let y = dequantizeActivations(row, k: k, format: act)
            let block = act.blockElements
            for b in 0..<(k / block) {
                let slice = x[(b * block)..<((b + 1) * block)]
                let amax = slice.map(abs).max()!
                let d = amax / 127
                for i in slice.indices {
                    #expect(abs(y[i] - x[i]) <= d * 0.5001 + 1e-12, "element \(i)")
                }
                // The largest element maps to ±127 exactly.
                if amax > 0, let j = slice.indices.first(where: { abs(x[$0]) == amax }) {
                    let q = act == .q8x32 ? row.load(fromByteOffset: (k / 32) * 8 + j, as: Int8.self)
                        : row.load(fromByteOffset: 292 * (j / 256) + 36 + j % 256, as: Int8.self)
                    #expect(abs(Int(q)) == 127)
                }
            }
            if act == .q8x32 {
                for b in 0..<(k / 32) {
                    let d = row.load(fromByteOffset: 4 * b, as: Float.self)
                    let s = row.load(fromByteOffset: 4 * (k / 32 + b), as: Float.self)
                    var sum = 0
                    for j in 0..<32 { sum += Int(row.load(fromByteOffset: (k / 32) * 8 + 32 * b + j, as: Int8.self)) }
                    #expect(s == d * Float(sum))
                }
            } else {
                for b in 0..<(k / 256) {
                    for g in 0..<16 {
                        var sum = 0
                        for j in 0..<16 { sum += Int(row.load(fromByteOffset: 292 * b + 36 + 16 * g + j, as: Int8.self)) }
                        #expect(Int(row.loadUnaligned(fromByteOffset: 292 * b + 4 + 2 * g, as: Int16.self)) == sum)
                    }
                }
            }
        }
    }

    @Test("reference dot agrees with dequantized weights · dequantized activations", arguments: QuantFormat.allCases)
    func dotMatchesDequantized(format: QuantFormat) {
        var rng = SplitMix64(seed: UInt64(format.rawValue) + 100)
        for k in testKs(format) {
            let w = randomWeights(format, rows: 1, k: k, rng: &rng)
            let x = randomActivations(count: k, rng: &rng)
            var encoded = [UInt8](repeating: 0, count: format.activationFormat.rowBytes(k))
            encoded.withUnsafeMutableBytes { ReferenceKernels.quantizeActivations(x, k: k, for: format, into: $0.baseAddress!) }
            var wf = [Float](repeating: 0, count: k)
            w.withUnsafeBytes { src in
                wf.withUnsafeMutableBufferPointer { ReferenceKernels.dequantize(format, src.baseAddress!, into: $0.baseAddress!, count: k) }
            }
            let (got, af): (Float, [Float]) = w.withUnsafeBytes { wr in
                encoded.withUnsafeBytes { ar in
                    (ReferenceKernels.dot(format, weightRow: wr.baseAddress!, activationRow: ar.baseAddress!, k: k),
                     dequantizeActivations(ar.baseAddress!, k: k, format: format.activationFormat))
                }
            }
            var expected: Double = 0, magnitude: Double = 0
            for i in 0..<k {
                expected += Double(wf[i]) * Double(af[i])
                magnitude += abs(Double(wf[i]) * Double(af[i]))
            }
            #expect(abs(Double(got) - expected) <= 1e-5 * magnitude + 1e-6, "\(format.name) k=\(k): \(got) vs \(expected)")
        }
    }
}
