import Kernels

/// One layer's attention as a pool dispatch: task i is one (token, KV head, slice of its
/// query group), over the token's sequence in the paged KV pool. Refilled for every layer.
final class AttentionTask: ParallelTask, @unchecked Sendable {
    private var kv: KVPool?
    private var layerBase = 0, kvHeads = 1, split = 1, group = 1, headDim = 0, qDim = 0, width = 0
    private var scale: Float = 1
    private var qkv: UnsafeMutablePointer<Float>?, output: UnsafeMutablePointer<Float>?
    private var positions: UnsafePointer<Int32>?, tokenSequence: UnsafePointer<Int32>?
    private var blockTables: UnsafePointer<Int32>?, tableStarts: UnsafePointer<Int32>?

    func set(config c: ModelConfig, kv: KVPool, layer: Int, split: Int, qkv: UnsafeMutablePointer<Float>,
             output: UnsafeMutablePointer<Float>, positions: UnsafePointer<Int32>, tokenSequence: UnsafePointer<Int32>,
             blockTables: UnsafePointer<Int32>, tableStarts: UnsafePointer<Int32>) {
        self.kv = kv
        layerBase = layer * kv.layerStride
        kvHeads = c.kvHeadCount
        self.split = split
        group = c.groupSize
        headDim = c.headDim
        qDim = c.qDim
        width = c.qDim + 2 * c.kvDim
        scale = 1 / Float(c.headDim).squareRoot()
        self.qkv = qkv
        self.output = output
        self.positions = positions
        self.tokenSequence = tokenSequence
        self.blockTables = blockTables
        self.tableStarts = tableStarts
    }

    func run(_ task: Int) {
        let kv = kv.unsafelyUnwrapped
        let t = task / (kvHeads * split), g = (task / split) % kvHeads, part = task % split
        let headsPerTask = group / split
        let table = blockTables.unsafelyUnwrapped + Int(tableStarts.unsafelyUnwrapped[Int(tokenSequence.unsafelyUnwrapped[t])])
        let headBase = layerBase + g * headDim
        let firstHead = g * group + part * headsPerTask
        TransformerKernels.attention(
            query: qkv.unsafelyUnwrapped + t * width + firstHead * headDim, queryStride: headDim,
            output: output.unsafelyUnwrapped + t * qDim + firstHead * headDim, outputStride: headDim,
            group: headsPerTask, headDim: headDim, keys: kv.keys + headBase, values: kv.values + headBase,
            blockTable: table, blockSize: kv.blockSize, blockStride: kv.blockStride, slotStride: kv.slotStride,
            contextLength: Int(positions.unsafelyUnwrapped[t]) + 1, scale: scale)
    }
}
