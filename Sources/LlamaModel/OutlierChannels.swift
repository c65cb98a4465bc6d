import Kernels

/// The input channels of one matmul that carry activation outliers, computed in f32.
///
/// A few channels of a transformer's activations ("massive activations") are tens of times
/// larger than the rest, in the same channels for nearly every token. Quantized to 8 bits in
/// blocks of 32, such a value sets its block's scale and leaves the other 31 values a
/// handful of levels. So these channels are zeroed before quantization and their exact
/// contribution, `W[r, s] · x[s]`, is added back from half-precision copies of those weight
/// columns (half keeps ~4e-4 relative error, a tenth of 8-bit rounding, at half the traffic).
/// The channels are found once at load by a calibration pass (`ForwardPass.calibrate`), so
/// every token is treated alike and results stay independent of batch composition.
final class OutlierChannels: @unchecked Sendable {
    /// Input channels, ascending.
    let channels: [Int32]
    /// Per matrix of the job: `channels.count` columns of `rows` halves, column j = W[:, channels[j]].
    private let columns: [UnsafeMutablePointer<UInt16>]

    init(channels: [Int32], job: FusedMatmul) {
        self.channels = channels
        columns = job.parts.map { part in
            let m = part.matrix
            let buffer = UnsafeMutablePointer<UInt16>.allocate(capacity: channels.count * m.rows)
            for r in 0 ..< m.rows {
                Self.gather(m, row: r, channels: channels) { j, value in buffer[j * m.rows + r] = HalfFloat.fromFloat(value) }
            }
            return buffer
        }
    }

    /// Calls `body(j, W[row, channels[j]])` for every channel. Formats with small blocks decode
    /// single weights; K-quants decode each 256-wide block that holds a channel once (decoding
    /// one per channel made this take seconds at load on a 0.5B model).
    private static func gather(_ m: WeightMatrix, row r: Int, channels: [Int32], _ body: (Int, Float) -> Void) {
        let row = m.data + r * m.rowBytes
        let n = m.format.blockElements
        guard n > 32 else {
            for (j, s) in channels.enumerated() { body(j, MatmulKernels.weight(m.format, row: row, index: Int(s))) }
            return
        }
        withUnsafeTemporaryAllocation(of: Float.self, capacity: n) { values in
            var decoded = -1
            for (j, s) in channels.enumerated() {  // ascending, so a block's channels are adjacent
                let block = Int(s) / n
                if block != decoded {
                    MatmulKernels.dequantize(m.format, row + block * m.format.blockBytes, into: values.baseAddress!, count: n)
                    decoded = block
                }
                body(j, values[Int(s) % n])
            }
        }
    }

    deinit { for c in columns { c.deallocate() } }

    /// out[offset + r] += Σ_j W[r, channels[j]] · values[j] for r in `rows` of matrix `part`,
    /// in ascending channel order.
    @inline(__always)
    func addContribution(part: Int, rows: Range<Int>, matrixRows: Int, values: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        TransformerKernels.addColumns(columns[part] + rows.lowerBound, columnStride: matrixRows, values: values,
                                      columnCount: channels.count, into: out + rows.lowerBound, count: rows.count)
    }
}
