/// Plain scalar Swift versions of every matmul-side kernel: the ground truth the SIMD kernels are
/// tested against, and the `.scalar` level of the kernel table.
///
/// They read the same byte layouts as the fast kernels (see `QuantFormat` and `ActivationFormat`)
/// and do the integer part of every quantized dot product exactly; only the order of the float
/// accumulation differs from the SIMD versions.
public enum ReferenceKernels {
    /// Encode one f32 activation row of length `k` for `format`'s dot product
    /// (layouts in `ActivationFormat`). For float weight formats it is a copy.
    public static func quantizeActivations(
        _ src: UnsafePointer<Float>, k: Int, for format: QuantFormat, into dst: UnsafeMutableRawPointer
    ) {
        switch format.activationFormat {
        case .f32:
            dst.copyMemory(from: src, byteCount: k * 4)
        case .q8x32:
            let nb = k / 32
            let scales = dst.assumingMemoryBound(to: Float.self)
            let quants = (dst + nb * 8).assumingMemoryBound(to: Int8.self)
            for b in 0..<nb {
                let (d, sum) = quantizeBlock(src + b * 32, count: 32, into: quants + b * 32)
                scales[b] = d
                scales[nb + b] = d * Float(sum)
            }
        case .q8K:
            let nb = k / 256
            for b in 0..<nb {
                let block = dst + b * 292
                let quants = (block + 36).assumingMemoryBound(to: Int8.self)
                let (d, _) = quantizeBlock(src + b * 256, count: 256, into: quants)
                block.storeBytes(of: d, as: Float.self)
                for i in 0..<16 {
                    var s: Int32 = 0
                    for j in 0..<16 { s += Int32(quants[16 * i + j]) }
                    block.storeBytes(of: Int16(s), toByteOffset: 4 + 2 * i, as: Int16.self)
                }
            }
        }
    }

    /// Symmetric int8 quantization of `count` floats; returns the scale and Σq.
    @inline(__always)
    static func quantizeBlock(_ x: UnsafePointer<Float>, count: Int, into q: UnsafeMutablePointer<Int8>) -> (Float, Int32) {
        var amax: Float = 0
        for i in 0..<count { amax = max(amax, abs(x[i])) }
        let d = amax / 127
        let id: Float = amax != 0 ? 127 / amax : 0
        var sum: Int32 = 0
        for i in 0..<count {
            let v = min(max((x[i] * id).rounded(.toNearestOrEven), -127), 127)
            q[i] = Int8(v)
            sum += Int32(q[i])
        }
        return (d, sum)
    }

    /// The dot product of one weight row with one encoded activation row, both `k` long.
    public static func dot(_ format: QuantFormat, weightRow w: UnsafeRawPointer, activationRow a: UnsafeRawPointer, k: Int) -> Float {
        switch format {
        case .f32, .f16, .bf16:
            let x = a.assumingMemoryBound(to: Float.self)
            var sum: Float = 0
            for i in 0..<k { sum += weightElement(format, w, i) * x[i] }
            return sum
        case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .iq4_nl:
            return dotQ8x32(format, w, a, k: k)
        case .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .iq4_xs:
            return dotQ8K(format, w, a, k: k)
        }
    }

    /// Dequantize `count` consecutive elements (a multiple of the block size) starting at a block boundary.
    public static func dequantize(_ format: QuantFormat, _ src: UnsafeRawPointer, into dst: UnsafeMutablePointer<Float>, count: Int) {
        switch format {
        case .f32, .f16, .bf16:
            for i in 0..<count { dst[i] = weightElement(format, src, i) }
        case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .iq4_nl:
            withUnsafeTemporaryAllocation(of: Int32.self, capacity: 32) { buffer in
                let q = buffer.baseAddress!
                for b in 0..<(count / 32) {
                    let block = src + b * format.blockBytes
                    let (d, m) = unpackSmallBlock(format, block, into: q)
                    for j in 0..<32 {
                        // Offset formats: (q - offset)·d; min formats: q·d + m (two roundings, as ggml).
                        dst[b * 32 + j] = m.map { d * Float(q[j]) + $0 } ?? d * Float(q[j])
                    }
                }
            }
        case .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .iq4_xs:
            let hasMins = hasMins(format)
            withSuperBlockBuffers { q, scales, mins in
                for b in 0..<(count / 256) {
                    let block = src + b * format.blockBytes
                    let groupSize = unpackSuperBlock(format, block, q: q, scales: scales, mins: mins)
                    for j in 0..<256 {
                        let g = j / groupSize
                        dst[b * 256 + j] = hasMins ? scales[g] * Float(q[j]) - mins[g] : scales[g] * Float(q[j])
                    }
                }
            }
        }
    }

    /// Scalar matmul over the reference dot: the `.scalar` level of the kernel table.
    public static func matmul(
        _ format: QuantFormat, weights: UnsafeRawPointer, rows: Range<Int>, k: Int,
        activations: UnsafeRawPointer, activationRowBytes: Int, tokens: Int,
        out: UnsafeMutablePointer<Float>, outStride: Int
    ) {
        let rowBytes = format.rowBytes(k)
        for t in 0..<tokens {
            let a = activations + t * activationRowBytes
            for r in rows {
                out[t * outStride + r] = dot(format, weightRow: weights + r * rowBytes, activationRow: a, k: k)
            }
        }
    }

    // MARK: - Element decoding

    @inline(__always)
    static func u16(_ p: UnsafeRawPointer, _ offset: Int) -> UInt16 { p.loadUnaligned(fromByteOffset: offset, as: UInt16.self) }
    @inline(__always)
    static func f16(_ p: UnsafeRawPointer, _ offset: Int) -> Float { HalfFloat.toFloat(u16(p, offset)) }
    @inline(__always)
    static func byte(_ p: UnsafeRawPointer, _ offset: Int) -> UInt8 { p.load(fromByteOffset: offset, as: UInt8.self) }

    @inline(__always)
    static func weightElement(_ format: QuantFormat, _ w: UnsafeRawPointer, _ i: Int) -> Float {
        switch format {
        case .f32: w.loadUnaligned(fromByteOffset: 4 * i, as: Float.self)
        case .f16: f16(w, 2 * i)
        default: HalfFloat.bf16ToFloat(u16(w, 2 * i))
        }
    }

    /// Whether a K-quant format subtracts a per-group min (q2_K, q4_K, q5_K) rather than
    /// centring its quants (q3_K, q6_K, iq4_xs).
    @inline(__always)
    static func hasMins(_ format: QuantFormat) -> Bool { format == .q2_K || format == .q4_K || format == .q5_K }

    /// Decode one 32-element block into integer quants (offset already removed for q4_0/q5_0,
    /// table values for iq4_nl) and return its scale and, for q4_1/q5_1, its min.
    static func unpackSmallBlock(_ format: QuantFormat, _ block: UnsafeRawPointer, into q: UnsafeMutablePointer<Int32>) -> (Float, Float?) {
        let d = f16(block, 0)
        switch format {
        case .q8_0:
            for j in 0..<32 { q[j] = Int32(block.load(fromByteOffset: 2 + j, as: Int8.self)) }
            return (d, nil)
        case .q4_0, .q4_1:
            let qs = format == .q4_0 ? 2 : 4
            let offset: Int32 = format == .q4_0 ? 8 : 0
            for j in 0..<16 {
                let v = byte(block, qs + j)
                q[j] = Int32(v & 0x0F) - offset
                q[j + 16] = Int32(v >> 4) - offset
            }
            return (d, format == .q4_1 ? f16(block, 2) : nil)
        case .iq4_nl:
            for j in 0..<16 {
                let v = byte(block, 2 + j)
                q[j] = Int32(QuantFormat.iq4Values[Int(v & 0x0F)])
                q[j + 16] = Int32(QuantFormat.iq4Values[Int(v >> 4)])
            }
            return (d, nil)
        default:  // q5_0, q5_1
            let hasMin = format == .q5_1
            let qhOffset = hasMin ? 4 : 2
            let qh = block.loadUnaligned(fromByteOffset: qhOffset, as: UInt32.self)
            let offset: Int32 = hasMin ? 0 : 16
            for j in 0..<16 {
                let v = byte(block, qhOffset + 4 + j)
                q[j] = (Int32(v & 0x0F) | (Int32((qh >> UInt32(j)) & 1) << 4)) - offset
                q[j + 16] = (Int32(v >> 4) | (Int32((qh >> UInt32(j + 16)) & 1) << 4)) - offset
            }
            return (d, hasMin ? f16(block, 2) : nil)
        }
    }

    /// The 6-bit scale and min of sub-block `j` (0..<8) from q4_K/q5_K's 12 packed bytes.
    @inline(__always)
    static func scaleMinK4(_ j: Int, _ s: UnsafeRawPointer) -> (UInt8, UInt8) {
        if j < 4 {
            return (byte(s, j) & 63, byte(s, j + 4) & 63)
        }
        let sc = (byte(s, j + 4) & 0x0F) | ((byte(s, j - 4) >> 6) << 4)
        let m = (byte(s, j + 4) >> 4) | ((byte(s, j) >> 6) << 4)
        return (sc, m)
    }

    /// The signed 6-bit scale of group `g` (0..<16) of a q3_K block (`s`: its 12 packed bytes),
    /// its offset of 32 removed.
    @inline(__always)
    static func scaleK3(_ g: Int, _ s: UnsafeRawPointer) -> Int32 {
        let low = g < 8 ? byte(s, g) & 0x0F : byte(s, g - 8) >> 4
        let high = (byte(s, 8 + g % 4) >> UInt8(2 * (g / 4))) & 3
        return Int32(low | (high << 4)) - 32
    }

    /// Decode one 256-element K-quant block: integer quants (offsets of q3_K and q6_K removed,
    /// table values for iq4_xs), per-group float scales d·sc and, where the format has them,
    /// mins dmin·m. Returns the group size (16 or 32).
    static func unpackSuperBlock(
        _ format: QuantFormat, _ block: UnsafeRawPointer,
        q: UnsafeMutablePointer<Int32>, scales: UnsafeMutablePointer<Float>, mins: UnsafeMutablePointer<Float>
    ) -> Int {
        switch format {
        case .q2_K:
            let d = f16(block, 80), dmin = f16(block, 82)
            for g in 0..<16 {
                let s = byte(block, g)
                scales[g] = d * Float(s & 0x0F)
                mins[g] = dmin * Float(s >> 4)
            }
            for e in 0..<256 {
                let h = e / 128, j = (e / 32) % 4, l = e % 32
                q[e] = Int32((byte(block, 16 + 32 * h + l) >> UInt8(2 * j)) & 3)
            }
            return 16
        case .q3_K:
            let d = f16(block, 108)
            for g in 0..<16 { scales[g] = d * Float(scaleK3(g, block + 96)) }
            for e in 0..<256 {
                let h = e / 128, j = (e / 32) % 4, l = e % 32
                let low = Int32((byte(block, 32 + 32 * h + l) >> UInt8(2 * j)) & 3)
                let high = (byte(block, l) >> UInt8(4 * h + j)) & 1
                q[e] = high == 1 ? low : low - 4
            }
            return 16
        case .iq4_xs:
            let d = f16(block, 0)
            let scalesHigh = u16(block, 2)
            for i in 0..<8 {
                let low = (byte(block, 4 + i / 2) >> UInt8(4 * (i % 2))) & 0x0F
                let high = UInt8((scalesHigh >> UInt16(2 * i)) & 3)
                scales[i] = d * Float(Int32(low | (high << 4)) - 32)
                for j in 0..<16 {
                    let v = byte(block, 8 + 16 * i + j)
                    q[32 * i + j] = Int32(QuantFormat.iq4Values[Int(v & 0x0F)])
                    q[32 * i + j + 16] = Int32(QuantFormat.iq4Values[Int(v >> 4)])
                }
            }
            return 32
        case .q6_K:
            let d = f16(block, 208)
            for i in 0..<16 { scales[i] = d * Float(block.load(fromByteOffset: 192 + i, as: Int8.self)) }
            for half in 0..<2 {
                let ql = 64 * half, qh = 128 + 32 * half, y = 128 * half
                for l in 0..<32 {
                    let lo0 = byte(block, ql + l), lo1 = byte(block, ql + l + 32), h = byte(block, qh + l)
                    q[y + l] = Int32((lo0 & 0x0F) | ((h & 3) << 4)) - 32
                    q[y + l + 32] = Int32((lo1 & 0x0F) | (((h >> 2) & 3) << 4)) - 32
                    q[y + l + 64] = Int32((lo0 >> 4) | (((h >> 4) & 3) << 4)) - 32
                    q[y + l + 96] = Int32((lo1 >> 4) | (((h >> 6) & 3) << 4)) - 32
                }
            }
            return 16
        default:  // q4_K, q5_K
            let d = f16(block, 0), dmin = f16(block, 2)
            let sc = block + 4
            for j in 0..<8 {
                let (s, m) = scaleMinK4(j, sc)
                scales[j] = d * Float(s)
                mins[j] = dmin * Float(m)
            }
            let isQ5 = format == .q5_K
            let qs = isQ5 ? 48 : 16
            for chunk in 0..<4 {  // 64 elements: sub-blocks 2·chunk and 2·chunk+1
                for l in 0..<32 {
                    let v = byte(block, qs + 32 * chunk + l)
                    var lo = Int32(v & 0x0F), hi = Int32(v >> 4)
                    if isQ5 {
                        let h = byte(block, 16 + l)
                        lo |= Int32((h >> UInt8(2 * chunk)) & 1) << 4
                        hi |= Int32((h >> UInt8(2 * chunk + 1)) & 1) << 4
                    }
                    q[64 * chunk + l] = lo
                    q[64 * chunk + 32 + l] = hi
                }
            }
            return 32
        }
    }

    // MARK: - Quantized dot products

    static func dotQ8x32(_ format: QuantFormat, _ w: UnsafeRawPointer, _ a: UnsafeRawPointer, k: Int) -> Float {
        let nb = k / 32
        let scales = a.assumingMemoryBound(to: Float.self)
        let quants = (a + nb * 8).assumingMemoryBound(to: Int8.self)
        return withUnsafeTemporaryAllocation(of: Int32.self, capacity: 32) { buffer in
            let q = buffer.baseAddress!
            var sum: Float = 0
            for b in 0..<nb {
                let (d, m) = unpackSmallBlock(format, w + b * format.blockBytes, into: q)
                var isum: Int32 = 0
                for j in 0..<32 { isum += q[j] * Int32(quants[b * 32 + j]) }
                sum += d * scales[b] * Float(isum)
                if let m { sum += m * scales[nb + b] }
            }
            return sum
        }
    }

    static func dotQ8K(_ format: QuantFormat, _ w: UnsafeRawPointer, _ a: UnsafeRawPointer, k: Int) -> Float {
        let hasMins = hasMins(format)
        return withSuperBlockBuffers { q, scales, mins in
            var sum: Float = 0
            for b in 0..<(k / 256) {
                let block = a + b * 292
                let da = block.load(as: Float.self)
                let x = (block + 36).assumingMemoryBound(to: Int8.self)
                let groupSize = unpackSuperBlock(format, w + b * format.blockBytes, q: q, scales: scales, mins: mins)
                for g in 0..<(256 / groupSize) {
                    var isum: Int32 = 0, asum: Int32 = 0
                    for j in (g * groupSize)..<((g + 1) * groupSize) {
                        isum += q[j] * Int32(x[j])
                        asum += Int32(x[j])
                    }
                    sum += da * scales[g] * Float(isum)
                    if hasMins { sum -= da * mins[g] * Float(asum) }
                }
            }
            return sum
        }
    }

    /// Stack scratch for one decoded K-quant block: 256 quants, 16 scales, 16 mins.
    @inline(__always)
    static func withSuperBlockBuffers<R>(
        _ body: (UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> R
    ) -> R {
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: 256) { q in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 32) { f in
                body(q.baseAddress!, f.baseAddress!, f.baseAddress! + 16)
            }
        }
    }
}
