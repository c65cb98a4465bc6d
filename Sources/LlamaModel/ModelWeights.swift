import GGUF
import Kernels

/// A weight matrix as it lies in the file: `rows` rows of `cols` elements, quantized.
public struct WeightMatrix: @unchecked Sendable {
    public let name: String
    public let format: QuantFormat
    public let data: UnsafeRawPointer
    public let rows: Int
    public let cols: Int
    public var rowBytes: Int { format.rowBytes(cols) }
}

/// One transformer block's weights, views into the mapping.
public struct LayerWeights: @unchecked Sendable {
    public let attnNorm: UnsafePointer<Float>   // dim            <- blk.N.attn_norm.weight
    public let attnQ: WeightMatrix              // qDim × dim     <- blk.N.attn_q.weight
    public let attnK: WeightMatrix              // kvDim × dim    <- blk.N.attn_k.weight
    public let attnV: WeightMatrix              // kvDim × dim    <- blk.N.attn_v.weight
    public let attnOutput: WeightMatrix         // dim × qDim     <- blk.N.attn_output.weight
    public let biasQ: UnsafePointer<Float>?     // qDim (Qwen 2)  <- blk.N.attn_q.bias
    public let biasK: UnsafePointer<Float>?     // kvDim          <- blk.N.attn_k.bias
    public let biasV: UnsafePointer<Float>?     // kvDim          <- blk.N.attn_v.bias
    public let ffnNorm: UnsafePointer<Float>    // dim            <- blk.N.ffn_norm.weight
    public let ffnGate: WeightMatrix            // ffnDim × dim   <- blk.N.ffn_gate.weight
    public let ffnUp: WeightMatrix              // ffnDim × dim   <- blk.N.ffn_up.weight
    public let ffnDown: WeightMatrix            // dim × ffnDim   <- blk.N.ffn_down.weight
}

/// All weights of the model. Matrices stay quantized inside the memory-mapped file; only
/// small vectors stored in a non-f32 type (rare) are widened into `ownedVectors`.
public final class ModelWeights: @unchecked Sendable {
    public let file: GGUFFile
    public let tokenEmbedding: WeightMatrix     // vocab × dim    <- token_embd.weight
    public let outputNorm: UnsafePointer<Float> // dim            <- output_norm.weight
    public let output: WeightMatrix             // vocab × dim    <- output.weight (or token_embd.weight when tied)
    public let layers: [LayerWeights]
    public let ropeFrequencyFactors: [Float]?   // rotaryDim/2    <- rope_freqs.weight (Llama 3)
    private var ownedVectors: [UnsafeMutablePointer<Float>] = []

    public init(file: GGUFFile, config: ModelConfig) throws(ModelError) {
        self.file = file
        var owned: [UnsafeMutablePointer<Float>] = []

        func info(_ name: String) throws(ModelError) -> GGUFTensorInfo {
            guard let t = file.tensor(named: name) else { throw .missingTensor(name) }
            return t
        }
        func format(_ t: GGUFTensorInfo) throws(ModelError) -> QuantFormat {
            guard let f = QuantFormat(rawValue: t.type.rawValue) else {
                throw .unsupportedTensorType(name: t.name, type: t.type.description)
            }
            return f
        }
        func matrix(_ name: String, rows: Int, cols: Int) throws(ModelError) -> WeightMatrix {
            let t = try info(name)
            guard t.dims == [cols, rows] else { throw .tensorShape(name: name, expected: [cols, rows], found: t.dims) }
            return WeightMatrix(name: name, format: try format(t), data: file.data(for: t), rows: rows, cols: cols)
        }
        func vector(_ name: String, count: Int) throws(ModelError) -> UnsafePointer<Float> {
            let t = try info(name)
            guard t.elementCount == count else { throw .tensorShape(name: name, expected: [count], found: t.dims) }
            let f = try format(t)
            if f == .f32 { return file.data(for: t).assumingMemoryBound(to: Float.self) }
            let buffer = UnsafeMutablePointer<Float>.allocate(capacity: count)
            MatmulKernels.dequantize(f, file.data(for: t), into: buffer, count: count)
            owned.append(buffer)
            return UnsafePointer(buffer)
        }
        func optionalVector(_ name: String, count: Int) throws(ModelError) -> UnsafePointer<Float>? {
            file.tensor(named: name) == nil ? nil : try vector(name, count: count)
        }

        let c = config
        tokenEmbedding = try matrix("token_embd.weight", rows: c.vocabularySize, cols: c.dim)
        outputNorm = try vector("output_norm.weight", count: c.dim)
        output = file.tensor(named: "output.weight") == nil
            ? tokenEmbedding
            : try matrix("output.weight", rows: c.vocabularySize, cols: c.dim)
        var layers: [LayerWeights] = []
        for i in 0 ..< c.layerCount {
            let p = "blk.\(i)."
            layers.append(LayerWeights(
                attnNorm: try vector(p + "attn_norm.weight", count: c.dim),
                attnQ: try matrix(p + "attn_q.weight", rows: c.qDim, cols: c.dim),
                attnK: try matrix(p + "attn_k.weight", rows: c.kvDim, cols: c.dim),
                attnV: try matrix(p + "attn_v.weight", rows: c.kvDim, cols: c.dim),
                attnOutput: try matrix(p + "attn_output.weight", rows: c.dim, cols: c.qDim),
                biasQ: try optionalVector(p + "attn_q.bias", count: c.qDim),
                biasK: try optionalVector(p + "attn_k.bias", count: c.kvDim),
                biasV: try optionalVector(p + "attn_v.bias", count: c.kvDim),
                ffnNorm: try vector(p + "ffn_norm.weight", count: c.dim),
                ffnGate: try matrix(p + "ffn_gate.weight", rows: c.ffnDim, cols: c.dim),
                ffnUp: try matrix(p + "ffn_up.weight", rows: c.ffnDim, cols: c.dim),
                ffnDown: try matrix(p + "ffn_down.weight", rows: c.dim, cols: c.ffnDim)
            ))
        }
        self.layers = layers
        if file.tensor(named: "rope_freqs.weight") != nil {
            let factors = try vector("rope_freqs.weight", count: c.rotaryDim / 2)
            ropeFrequencyFactors = Array(UnsafeBufferPointer(start: factors, count: c.rotaryDim / 2))
        } else {
            ropeFrequencyFactors = nil
        }
        // Every matrix must have a block-aligned row length for its format.
        for m in [tokenEmbedding, output] + layers.flatMap({ [$0.attnQ, $0.attnK, $0.attnV, $0.attnOutput, $0.ffnGate, $0.ffnUp, $0.ffnDown] })
        where m.cols % m.format.blockElements != 0 {
            throw ModelError.invalidShape("\(m.name) rows of \(m.cols) are not a multiple of \(m.format) blocks")
        }
        ownedVectors = owned
    }

    deinit { for v in ownedVectors { v.deallocate() } }
}
