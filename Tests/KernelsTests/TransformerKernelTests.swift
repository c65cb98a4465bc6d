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
        let keys = randomActivations(count: blocks * blockStride, rng: &rng)
        let values = randomActivations(count: blocks * blockStride, rng: &rng)
        var table = (0 ..< Int32(blocks)).map { $0 }
        table.shuffle(using: &rng)
        let query = randomActivations(count: group * headDim, rng: &rng)
        for kvHead in 0 ..< kvHeads {
            let base = layer * blockSize * slotStride + kvHead * headDim
            var fast = [Float](repeating: 0, count: group * headDim), slow = fast
            keys.withUnsafeBufferPointer { k in
                values.withUnsafeBufferPointer { v in
                    TransformerKernels.attention(query: query, queryStride: headDim, output: &fast, outputStride: headDim,
                                                 group: group, headDim: headDim, keys: k.baseAddress! + base, values: v.baseAddress! + base,
                                                 blockTable: table, blockSize: blockSize, blockStride: blockStride,
                                                 slotStride: slotStride, contextLength: contextLength, scale: 0.125)
                    TransformerReference.attention(query: query, queryStride: headDim, output: &slow, outputStride: headDim,
                                                   group: group, headDim: headDim, keys: k.baseAddress! + base, values: v.baseAddress! + base,
                                                   blockTable: table, blockSize: blockSize, blockStride: blockStride,
                                                   slotStride: slotStride, contextLength: contextLength, scale: 0.125)
                }
            }
            #expect(Self.close(fast, slow, relative: 1e-4), "kv head \(kvHead)")
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
