import Kernels
import Testing

/// Every kernel level the CPU can run, for every format, against the scalar reference.
@Suite("Matmul kernels vs reference")
struct MatmulKernelTests {
    struct Shape: CustomStringConvertible {
        var k: Int, rows: Range<Int>, tokens: Int
        var description: String { "k=\(k) rows=\(rows) tokens=\(tokens)" }
    }

    static func shapes(_ format: QuantFormat) -> [Shape] {
        var s: [Shape] = []
        for k in testKs(format) {
            for rows in [0..<1, 3..<10, 5..<22] {
                for tokens in [1, 3, 4, 5, 17] { s.append(Shape(k: k, rows: rows, tokens: tokens)) }
            }
        }
        // Larger rows than one cache chunk, so chunk boundaries are crossed.
        switch format.blockElements {
        case 32: s.append(Shape(k: 4096, rows: 1..<41, tokens: 6))
        case 256: s.append(Shape(k: 1280, rows: 2..<150, tokens: 5))
        default: s.append(Shape(k: 2048, rows: 1..<60, tokens: 6))
        }
        return s
    }

    @Test("matmul matches the reference dot", arguments: QuantFormat.allCases)
    func matmulMatchesReference(format: QuantFormat) {
        for table in runnableLevels {
            var rng = SplitMix64(seed: UInt64(format.rawValue) * 1000 + 17)
            for shape in Self.shapes(format) {
                check(table, format, shape, rng: &rng)
            }
        }
    }

    func check(_ table: KernelTable, _ format: QuantFormat, _ shape: Shape, rng: inout SplitMix64) {
        let k = shape.k, tokens = shape.tokens
        let totalRows = shape.rows.upperBound + 2
        let weights = randomWeights(format, rows: totalRows, k: k, rng: &rng)
        let x = randomActivations(count: k * tokens, rng: &rng)
        let act = format.activationFormat
        let actRowBytes = act.rowBytes(k) + 8  // padded stride: rows are not tightly packed
        var encoded = [UInt8](repeating: 0, count: actRowBytes * tokens)
        var reference = [UInt8](repeating: 0, count: actRowBytes * tokens)
        x.withUnsafeBufferPointer { xp in
            encoded.withUnsafeMutableBytes { e in
                reference.withUnsafeMutableBytes { r in
                    for t in 0..<tokens {
                        table.quantizeActivations(xp.baseAddress! + t * k, k: k, for: format, into: e.baseAddress! + t * actRowBytes)
                        ReferenceKernels.quantizeActivations(xp.baseAddress! + t * k, k: k, for: format, into: r.baseAddress! + t * actRowBytes)
                    }
                }
            }
        }
        #expect(encoded == reference, "\(table.level) \(format.name): activation encoding differs from the reference")

        let outStride = totalRows + 3
        var out = [Float](repeating: .nan, count: outStride * tokens)
        weights.withUnsafeBytes { w in
            encoded.withUnsafeBytes { a in
                out.withUnsafeMutableBufferPointer { o in
                    table.matmul(format, weights: w.baseAddress!, rows: shape.rows, k: k, activations: a.baseAddress!,
                                 activationRowBytes: actRowBytes, tokens: tokens, out: o.baseAddress!, outStride: outStride)
                }
            }
        }

        var failures = 0
        weights.withUnsafeBytes { w in
            reference.withUnsafeBytes { a in
                var wf = [Float](repeating: 0, count: k)
                for t in 0..<tokens {
                    let aRow = a.baseAddress! + t * actRowBytes
                    let af = dequantizeActivations(aRow, k: k, format: act)
                    for r in 0..<outStride {
                        let got = out[t * outStride + r]
                        guard shape.rows.contains(r) else {
                            if !got.isNaN, failures < 5 { Issue.record("\(table.level) \(format.name) \(shape): wrote outside rows at r=\(r) t=\(t)") }
                            if !got.isNaN { failures += 1 }
                            continue
                        }
                        let wRow = w.baseAddress! + r * format.rowBytes(k)
                        let expected = ReferenceKernels.dot(format, weightRow: wRow, activationRow: aRow, k: k)
                        wf.withUnsafeMutableBufferPointer { ReferenceKernels.dequantize(format, wRow, into: $0.baseAddress!, count: k) }
                        var magnitude: Float = 0
                        for i in 0..<k { magnitude += abs(wf[i] * af[i]) }
                        let tolerance = 2e-5 * magnitude + 1e-6
                        if !(abs(got - expected) <= tolerance) {
                            if failures < 5 {
                                Issue.record("\(table.level) \(format.name) \(shape) r=\(r) t=\(t): got \(got), expected \(expected) (tolerance \(tolerance))")
                            }
                            failures += 1
                        }
                    }
                }
            }
        }
        #expect(failures == 0, "\(table.level) \(format.name) \(shape)")
    }

    @Test("MatmulKernels dispatches through the selected table")
    func namespaceDispatch() {
        #expect(MatmulKernels.level == KernelTable.selected.level)
        let format = QuantFormat.q4_1, k = 64
        var rng = SplitMix64(seed: 3)
        let w = randomWeights(format, rows: 2, k: k, rng: &rng)
        let x = randomActivations(count: k, rng: &rng)
        var a = [UInt8](repeating: 0, count: format.activationFormat.rowBytes(k))
        a.withUnsafeMutableBytes { MatmulKernels.quantizeActivations(x, k: k, for: format, into: $0.baseAddress!) }
        var out: [Float] = [0, 0]
        w.withUnsafeBytes { wp in
            a.withUnsafeBytes { ap in
                MatmulKernels.matmul(format, weights: wp.baseAddress!, rows: 0..<2, k: k, activations: ap.baseAddress!,
                               activationRowBytes: ap.count, tokens: 1, out: &out, outStride: 2)
                for r in 0..<2 {
                    let e = ReferenceKernels.dot(format, weightRow: wp.baseAddress! + r * format.rowBytes(k), activationRow: ap.baseAddress!, k: k)
                    #expect(abs(out[r] - e) <= 1e-4 * max(1, abs(e)))
                }
            }
        }
    }
}

@Suite("Kernel table")
struct KernelTableTests {
    @Test("levels are chosen from CPU features and CONSERVE_KERNELS")
    func levelSelection() {
        let avx2: CPUFeatures = [.avx2, .fma, .f16c]
        let avx512: CPUFeatures = [.avx2, .fma, .f16c, .avx512f, .avx512bw, .avx512vl, .avx512vnni]
        #expect(KernelTable.selectLevel(environment: nil, features: []) == .scalar)
        #expect(KernelTable.selectLevel(environment: nil, features: avx2) == .avx2)
        #expect(KernelTable.selectLevel(environment: nil, features: avx512) == .avx512vnni)
        #expect(KernelTable.selectLevel(environment: "scalar", features: avx512) == .scalar)
        #expect(KernelTable.selectLevel(environment: "AVX2", features: avx512) == .avx2)
        #expect(KernelTable.selectLevel(environment: "avx512", features: avx512) == .avx512vnni)
        #expect(KernelTable.selectLevel(environment: "avx512", features: avx2) == .avx2)  // unsupported: best instead
        #expect(KernelTable.selectLevel(environment: "bogus", features: avx2) == .avx2)
        #expect(KernelTable(level: .avx512vnni, features: avx2) == nil)
        #expect(KernelTable(level: .avx2, features: [.avx2]) == nil)  // needs fma and f16c too
        #expect(KernelTable(level: .scalar, features: [])?.level == .scalar)
    }

    @Test("fast kernels exist for every format on SIMD levels")
    func fastKernelCoverage() {
        for table in runnableLevels where table.level != .scalar {
            for format in QuantFormat.allCases {
                #expect(table.hasFastMatmul(format), "\(table.level) \(format.name)")
            }
        }
        #expect(KernelTable(level: .scalar)?.hasFastMatmul(.q4_1) == false)
    }
}
