import Kernels

/// One or more weight matrices that read the same input (Q, K and V; gate and up), run as
/// one parallel job: the input is quantized once, and row ranges of every matrix are handed
/// out as tasks. Built once at load, so a step only reads it.
struct FusedMatmul: @unchecked Sendable {
    /// Found by calibration; nil until then (and for jobs without outliers).
    var outliers: OutlierChannels?
    /// Tells jobs apart during calibration.
    private let token = Token()
    var identity: ObjectIdentifier { ObjectIdentifier(token) }
    private final class Token {}
    struct Part {
        let matrix: WeightMatrix
        /// Column of the output row where this matrix's results go.
        let outputOffset: Int
        /// Index of this part's first task.
        let firstTask: Int
    }

    let parts: [Part]
    let k: Int
    let format: QuantFormat
    let rowsPerTask: Int
    let taskCount: Int
    var activationRowBytes: Int { format.activationFormat.rowBytes(k) }

    /// - Parameter threads: sizes the tasks so every thread gets several.
    init(_ matrices: [(WeightMatrix, outputOffset: Int)], threads: Int) throws(ModelError) {
        let first = matrices[0].0
        k = first.cols
        format = first.format
        let totalRows = matrices.reduce(0) { $0 + $1.0.rows }
        rowsPerTask = max(8, (totalRows / (threads * 24) + 7) / 8 * 8)
        var parts: [Part] = []
        var tasks = 0
        for (matrix, offset) in matrices {
            guard matrix.cols == k, matrix.format.activationFormat == first.format.activationFormat else {
                throw .invalidShape("\(matrix.name) cannot share its input with \(first.name)")
            }
            parts.append(Part(matrix: matrix, outputOffset: offset, firstTask: tasks))
            tasks += (matrix.rows + rowsPerTask - 1) / rowsPerTask
        }
        self.parts = parts
        taskCount = tasks
    }

    /// Task `task` of the job: one row range of one part, `output[t][offset + r] = W[r] ·
    /// activations[t]`, plus the outlier channels' exact contribution (`outlierValues`: per
    /// token, one value per channel of `outliers`).
    @inline(__always)
    func run(task: Int, activations: UnsafeRawPointer, tokens: Int, output: UnsafeMutablePointer<Float>, outputStride: Int,
             outlierValues: UnsafePointer<Float>) {
        var i = parts.count - 1
        while task < parts[i].firstTask { i -= 1 }
        let part = parts[i]
        let rowStart = (task - part.firstTask) * rowsPerTask
        let rowEnd = min(rowStart + rowsPerTask, part.matrix.rows)
        MatmulKernels.matmul(part.matrix.format, weights: part.matrix.data, rows: rowStart ..< rowEnd, k: k,
                       activations: activations, activationRowBytes: activationRowBytes, tokens: tokens,
                       out: output + part.outputOffset, outStride: outputStride)
        if let outliers {
            let channelCount = outliers.channels.count
            for t in 0 ..< tokens {
                outliers.addContribution(part: i, rows: rowStart ..< rowEnd, matrixRows: part.matrix.rows,
                                         values: outlierValues + t * channelCount,
                                         into: output + t * outputStride + part.outputOffset)
            }
        }
    }
}

/// A `FusedMatmul` dispatch, refilled for every matmul of a step (see `ParallelTask`).
final class MatmulTask: ParallelTask, @unchecked Sendable {
    var job: FusedMatmul?
    var activations: UnsafeRawPointer?
    var tokens = 0
    var output: UnsafeMutablePointer<Float>?
    var outputStride = 0
    var outlierValues: UnsafePointer<Float>?

    func run(_ index: Int) {
        job.unsafelyUnwrapped.run(task: index, activations: activations.unsafelyUnwrapped, tokens: tokens,
                                  output: output.unsafelyUnwrapped, outputStride: outputStride,
                                  outlierValues: outlierValues.unsafelyUnwrapped)
    }
}
