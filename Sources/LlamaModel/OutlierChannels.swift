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
            for (j, s) in channels.enumerated() {
                for r in 0 ..< m.rows {
                    buffer[j * m.rows + r] = HalfFloat.fromFloat(MatmulKernels.weight(m.format, row: m.data + r * m.rowBytes, index: Int(s)))
                }
            }
            return buffer
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
