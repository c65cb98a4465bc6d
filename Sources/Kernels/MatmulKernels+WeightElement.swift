extension MatmulKernels {
    /// One weight, `row[index]`, dequantized exactly as `dequantize` would. Used for the few
    /// activation outliers that matmuls take in f32 (see `OutlierSplit`); formats with small
    /// blocks decode just the element, K-quants decode the element's super-block.
    @inline(__always)
    public static func weight(_ format: QuantFormat, row: UnsafeRawPointer, index i: Int) -> Float {
        switch format {
        case .f32:
            return row.loadUnaligned(fromByteOffset: 4 * i, as: Float.self)
        case .f16:
            return HalfFloat.toFloat(row.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
        case .bf16:
            return HalfFloat.bf16ToFloat(row.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
        case .q8_0:
            let block = row + (i >> 5) * 34
            return HalfFloat.toFloat(block.loadUnaligned(as: UInt16.self)) * Float(block.load(fromByteOffset: 2 + (i & 31), as: Int8.self))
        case .q4_0, .q4_1:
            let block = row + (i >> 5) * format.blockBytes
            let j = i & 31
            let quants = format == .q4_1 ? 4 : 2
            let byte = block.load(fromByteOffset: quants + (j & 15), as: UInt8.self)
            let q = Float(j < 16 ? byte & 0x0F : byte >> 4)
            let d = HalfFloat.toFloat(block.loadUnaligned(as: UInt16.self))
            if format == .q4_1 { return d * q + HalfFloat.toFloat(block.loadUnaligned(fromByteOffset: 2, as: UInt16.self)) }
            return d * (q - 8)
        case .q5_0, .q5_1:
            let block = row + (i >> 5) * format.blockBytes
            let j = i & 31
            let qh = block.loadUnaligned(fromByteOffset: format == .q5_1 ? 4 : 2, as: UInt32.self)
            let byte = block.load(fromByteOffset: (format == .q5_1 ? 8 : 6) + (j & 15), as: UInt8.self)
            let q = Int32(j < 16 ? byte & 0x0F : byte >> 4) | Int32((qh >> UInt32(j)) & 1) << 4
            let d = HalfFloat.toFloat(block.loadUnaligned(as: UInt16.self))
            if format == .q5_1 { return d * Float(q) + HalfFloat.toFloat(block.loadUnaligned(fromByteOffset: 2, as: UInt16.self)) }
            return d * Float(q - 16)
        case .iq4_nl:
            let block = row + (i >> 5) * 18
            let j = i & 31
            let byte = block.load(fromByteOffset: 2 + (j & 15), as: UInt8.self)
            let q = QuantFormat.iq4Values[Int(j < 16 ? byte & 0x0F : byte >> 4)]
            return HalfFloat.toFloat(block.loadUnaligned(as: UInt16.self)) * Float(q)
        default:
            let n = format.blockElements
            return withUnsafeTemporaryAllocation(of: Float.self, capacity: n) { buffer in
                ReferenceKernels.dequantize(format, row + (i / n) * format.blockBytes, into: buffer.baseAddress!, count: n)
                return buffer[i % n]
            }
        }
    }
}
