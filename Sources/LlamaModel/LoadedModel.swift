import GGUF

/// A GGUF file opened as a Llama-family model: the mapping, its hyperparameters and weight views.
public final class LoadedModel: @unchecked Sendable {
    public let file: GGUFFile
    public let config: ModelConfig
    public let weights: ModelWeights

    /// Maps `path` and checks every tensor the forward pass needs. Throws `GGUFError` or `ModelError`.
    public init(path: String) throws {
        file = try GGUFFile(path: path)
        config = try ModelConfig(gguf: file)
        weights = try ModelWeights(file: file, config: config)
    }

    /// A forward pass over this model with its own scratch buffers and thread pool; its outlier
    /// calibration is kept per model file (`CalibrationCache`), so only a file's first load pays for it.
    public func makeForwardPass(maxTokens: Int = 512, maxLogitRows: Int = 64, threads: Int) throws -> ForwardPass {
        try ForwardPass(config: config, weights: weights, maxTokens: maxTokens, maxLogitRows: maxLogitRows, threads: threads,
                        calibrationCache: CalibrationCache(modelPath: file.path))
    }
}
