import Kernels

extension ModelConfig {
    /// A configuration given field by field, for synthetic models: tests and tools that need a
    /// `KVPool` or a shape without a GGUF file. Real models come from `init(gguf:)`.
    ///
    /// It checks nothing: the shape checks of `init(gguf:)` guard what comes from files, and
    /// a caller writing the fields by hand owns their consistency. `rotaryDim` defaults to
    /// `headDim`, as in GGUF files that leave `rope.dimension_count` out.
    public init(
        architecture: String = "llama",
        layerCount: Int,
        dim: Int,
        ffnDim: Int,
        headCount: Int,
        kvHeadCount: Int,
        headDim: Int,
        rotaryDim: Int? = nil,
        contextLength: Int = 2048,
        vocabularySize: Int,
        rmsEpsilon: Float = 1e-5,
        ropeFreqBase: Double = 10000,
        ropeLayout: RopeTable.Layout = .normal,
        ropePositionScale: Double = 1
    ) {
        self.architecture = architecture
        self.layerCount = layerCount
        self.dim = dim
        self.ffnDim = ffnDim
        self.headCount = headCount
        self.kvHeadCount = kvHeadCount
        self.headDim = headDim
        self.rotaryDim = rotaryDim ?? headDim
        self.contextLength = contextLength
        self.vocabularySize = vocabularySize
        self.rmsEpsilon = rmsEpsilon
        self.ropeFreqBase = ropeFreqBase
        self.ropeLayout = ropeLayout
        self.ropePositionScale = ropePositionScale
    }
}
