import Foundation
import Kernels
import Testing

/// The SIMD transformer stages against their scalar references, on ragged sizes.
@Suite("Transformer kernels vs reference")
struct TransformerKernelTests {
    static func close(_ a: [Float], _ b: [Float], relative: Float) -> Bool {
        zip(a, b).allSatisfy { abs($0 - $1) <= relative * max(1, abs($1)) }
    }

    @Test("RMSNorm", arguments: [1, 7, 8, 31, 576, 1000])
    func rmsNorm(count: Int) {
        var rng = SplitMix64(seed: UInt64(count))
        let x = randomActivations(count: count, rng: &rng), w = randomActivations(count: count, rng: &rng)
        var fast = [Float](repeating: 0, count: count), slow = fast
        TransformerKernels.rmsNorm(x, weight: w, into: &fast, count: count, epsilon: 1e-5)
        TransformerReference.rmsNorm(x, weight: w, into: &slow, count: count, epsilon: 1e-5)
        #expect(Self.close(fast, slow, relative: 1e-5))
    }

    @Test("SwiGLU and residual add", arguments: [1, 9, 16, 1536, 1537])
    func siluMulAndAdd(count: Int) {
        var rng = SplitMix64(seed: UInt64(count) + 99)
        let gate = randomActivations(count: count, rng: &rng).map { $0 * 4 }, up = randomActivations(count: count, rng: &rng)
        var fast = [Float](repeating: 0, count: count), slow = fast
        TransformerKernels.siluMul(gate: gate, up: up, into: &fast, count: count)
        TransformerReference.siluMul(gate: gate, up: up, into: &slow, count: count)
        #expect(Self.close(fast, slow, relative: 1e-5))
        var sum = up
        TransformerKernels.add(gate, into: &sum, count: count)
        #expect(sum == zip(up, gate).map { $0 + $1 })
        // Extreme inputs stay finite: silu(-100) is 0, silu(100) is 100.
        var edge: [Float] = [0, 0]
        TransformerKernels.siluMul(gate: [-100, 100], up: [1, 1], into: &edge, count: 2)
        #expect(abs(edge[0]) < 1e-30 && abs(edge[1] - 100) < 1e-3)
    }

    /// Paged attention over a shuffled block table, for several context lengths that end
    /// mid-block, with grouped query heads.
    @Test("paged attention", arguments: [1, 5, 16, 17, 100, 300])
    func attention(contextLength: Int) {
        var rng = SplitMix64(seed: UInt64(contextLength) * 31)
        let headDim = 64, kvHeads = 3, group = 3, blockSize = 16, layers = 2, layer = 1
        let blocks = (contextLength + blockSize - 1) / blockSize + 3
        let slotStride = kvHeads * headDim, blockStride = layers * blockSize * slotStride
        // The cache holds halves; the reference widens the same halves, so only the kernel's
        // arithmetic is compared here (the rounding is `storeHalf`'s test).
        let keys = randomActivations(count: blocks * blockStride, rng: &rng).map(HalfFloat.fromFloat)
        let values = randomActivations(count: blocks * blockStride, rng: &rng).map(HalfFloat.fromFloat)
        var table = (0 ..< Int32(blocks)).map { $0 }
        table.shuffle(using: &rng)
        let query = randomActivations(count: group * headDim, rng: &rng)
        for level in TransformerLevel.supported {
        for kvHead in 0 ..< kvHeads {
            let base = layer * blockSize * slotStride + kvHead * headDim
            var fast = [Float](repeating: 0, count: group * headDim), slow = fast
            keys.withUnsafeBufferPointer { k in
                values.withUnsafeBufferPointer { v in
                    level.attention(query: query, queryStride: headDim, output: &fast, outputStride: headDim,
                                                 group: group, headDim: headDim, keys: k.baseAddress! + base, values: v.baseAddress! + base,
                                                 blockTable: table, blockSize: blockSize, blockStride: blockStride,
                                                 slotStride: slotStride, contextLength: contextLength, scale: 0.125)
                    TransformerReference.attention(query: query, queryStride: headDim, output: &slow, outputStride: headDim,
                                                   group: group, headDim: headDim, keys: k.baseAddress! + base, values: v.baseAddress! + base,
                                                   blockTable: table, blockSize: blockSize, blockStride: blockStride,
                                                   slotStride: slotStride, contextLength: contextLength, scale: 0.125)
                }
            }
            #expect(Self.close(fast, slow, relative: 1e-4), "\(level) kv head \(kvHead)")
        }
        }
    }

    /// Other head sizes take the general path (Llama 3 8B and Qwen 2.5 7B have 128).
    @Test("paged attention, head size 128 and 40", arguments: [(128, 37), (40, 16), (128, 1)])
    func attentionOtherHeadSizes(headDim: Int, contextLength: Int) {
        var rng = SplitMix64(seed: UInt64(headDim * 1000 + contextLength))
        let group = 4, blockSize = 16, blocks = (contextLength + blockSize - 1) / blockSize + 1
        let slotStride = headDim, blockStride = blockSize * slotStride
        let keys = randomActivations(count: blocks * blockStride, rng: &rng).map(HalfFloat.fromFloat)
        let values = randomActivations(count: blocks * blockStride, rng: &rng).map(HalfFloat.fromFloat)
        let table = (0 ..< Int32(blocks)).reversed().map { $0 }
        let query = randomActivations(count: group * headDim, rng: &rng)
        var slow = [Float](repeating: 0, count: group * headDim)
        TransformerReference.attention(query: query, queryStride: headDim, output: &slow, outputStride: headDim,
                                       group: group, headDim: headDim, keys: keys, values: values,
                                       blockTable: table, blockSize: blockSize, blockStride: blockStride,
                                       slotStride: slotStride, contextLength: contextLength, scale: 0.1)
        for level in TransformerLevel.supported {
            var fast = [Float](repeating: 0, count: group * headDim)
            level.attention(query: query, queryStride: headDim, output: &fast, outputStride: headDim,
                            group: group, headDim: headDim, keys: keys, values: values,
                            blockTable: table, blockSize: blockSize, blockStride: blockStride,
                            slotStride: slotStride, contextLength: contextLength, scale: 0.1)
            #expect(Self.close(fast, slow, relative: 1e-4), "\(level)")
        }
    }

    /// Keys and values enter the cache rounded to the nearest half, ties to even, as
    /// `HalfFloat.fromFloat` rounds: normal, subnormal, overflowing, tie and special values.
    @Test("storeHalf rounds as HalfFloat.fromFloat", arguments: [1, 7, 8, 9, 64, 131])
    func storeHalf(count: Int) {
        var rng = SplitMix64(seed: UInt64(count) + 7)
        let specials: [Float] = [0, -0.0, 1, -1, 65504, 65520, 1e6, -1e6, 6e-8, 3e-8, 1e-7, 5.9604645e-8, -2.9802322e-8,
                                 1 + 0x1p-11, 1 + 3 * 0x1p-11, .infinity, -.infinity, .nan, 0.1, 1.0e-5, 6.1035156e-5]
        var source = randomActivations(count: count, rng: &rng).map { $0 * 1000 }
        for i in 0 ..< min(count, specials.count) { source[(i * 5) % count] = specials[i] }
        for level in TransformerLevel.supported {
        var stored = [UInt16](repeating: 0xFFFF, count: count)
        level.storeHalf(source, into: &stored, count: count)
        for i in 0 ..< count {
            let expected = HalfFloat.fromFloat(source[i])
            if source[i].isNaN {
                #expect(stored[i] & 0x7C00 == 0x7C00 && stored[i] & 0x3FF != 0, "\(level) element \(i): NaN stays NaN")
            } else {
                #expect(stored[i] == expected, "\(level) element \(i): \(source[i]) -> \(stored[i]) vs \(expected)")
            }
        }
        }
    }

    @Test("RoPE rotates pairs by position in both layouts")
    func rope() {
        let headDim = 8, base = 10000.0
        for layout in [RopeTable.Layout.normal, .neox] {
            let table = RopeTable(layout: layout, rotaryDim: headDim, freqBase: base, maxPositions: 40)
            var rng = SplitMix64(seed: 5)
            let x = randomActivations(count: 2 * headDim, rng: &rng)
            for position in [0, 1, 17, 39] {
                var y = x
                table.apply(&y, heads: 2, headDim: headDim, position: position)
                for h in 0 ..< 2 {
                    for i in 0 ..< headDim / 2 {
                        let angle = Double(position) * pow(base, -Double(2 * i) / Double(headDim))
                        let (a, b) = layout == .normal ? (h * headDim + 2 * i, h * headDim + 2 * i + 1) : (h * headDim + i, h * headDim + i + headDim / 2)
                        let ea = Double(x[a]) * cos(angle) - Double(x[b]) * sin(angle)
                        let eb = Double(x[a]) * sin(angle) + Double(x[b]) * cos(angle)
                        #expect(abs(Double(y[a]) - ea) < 1e-5 && abs(Double(y[b]) - eb) < 1e-5, "\(layout) pos \(position) pair \(i)")
                    }
                }
            }
        }
        // Llama 3 frequency factors divide each frequency; linear scaling shrinks positions.
        let scaled = RopeTable(layout: .normal, rotaryDim: 4, freqBase: base, maxPositions: 8, frequencyFactors: [1, 4], positionScale: 0.5)
        var v: [Float] = [1, 0, 1, 0]
        scaled.apply(&v, heads: 1, headDim: 4, position: 6)
        let angle1 = 6 * 0.5 * pow(base, -0.5) / 4
        #expect(abs(Double(v[0]) - cos(3.0)) < 1e-5 && abs(Double(v[2]) - cos(angle1)) < 1e-5)
    }
}

@Suite("Single weights and column sums")
struct WeightElementTests {
    @Test("MatmulKernels.weight equals the dequantized row", arguments: QuantFormat.allCases)
    func weightMatchesDequantize(format: QuantFormat) {
        var rng = SplitMix64(seed: UInt64(format.rawValue) + 4242)
        let k = format.blockElements == 256 ? 512 : 96
        let w = randomWeights(format, rows: 2, k: k, rng: &rng)
        var row = [Float](repeating: 0, count: k)
        w.withUnsafeBytes { p in
            let second = p.baseAddress! + format.rowBytes(k)
            row.withUnsafeMutableBufferPointer { ReferenceKernels.dequantize(format, second, into: $0.baseAddress!, count: k) }
            for i in 0 ..< k { #expect(MatmulKernels.weight(format, row: second, index: i) == row[i], "\(format.name) element \(i)") }
        }
    }

    @Test("addColumns adds half-precision columns in order", arguments: [1, 8, 13, 64])
    func addColumns(count: Int) {
        var rng = SplitMix64(seed: UInt64(count))
        let columns = 5
        let values = randomActivations(count: columns, rng: &rng)
        let halves = (0 ..< columns * count).map { _ in HalfFloat.fromFloat(rng.gaussian()) }
        let y = randomActivations(count: count, rng: &rng)
        var fast = y
        TransformerKernels.addColumns(halves, columnStride: count, values: values, columnCount: columns, into: &fast, count: count)
        for i in 0 ..< count {
            var expected = Double(y[i])
            for j in 0 ..< columns { expected += Double(values[j]) * Double(HalfFloat.toFloat(halves[j * count + i])) }
            #expect(abs(Double(fast[i]) - expected) <= 1e-5 * max(1, abs(expected)))
        }
    }
}
