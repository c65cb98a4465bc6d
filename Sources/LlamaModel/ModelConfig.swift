import GGUF
import Kernels

/// Hyperparameters of a Llama-family model, read from the GGUF metadata under the
/// architecture's prefix (`llama.block_count`, `qwen2.embedding_length`, ...).
public struct ModelConfig: Sendable, Equatable {
    public var architecture: String
    public var layerCount: Int
    public var dim: Int
    public var ffnDim: Int
    public var headCount: Int
    public var kvHeadCount: Int
    public var headDim: Int
    public var rotaryDim: Int
    public var contextLength: Int
    public var vocabularySize: Int
    public var rmsEpsilon: Float
    public var ropeFreqBase: Double
    public var ropeLayout: RopeTable.Layout
    /// Linear position scaling (1 / `rope.scaling.factor` when the type is `linear`).
    public var ropePositionScale: Double

    public var qDim: Int { headCount * headDim }
    public var kvDim: Int { kvHeadCount * headDim }
    /// Query heads per KV head (grouped-query attention).
    public var groupSize: Int { headCount / kvHeadCount }

    /// Architectures whose blocks this forward pass computes.
    public static let supportedArchitectures: Set<String> = ["llama", "qwen2", "mistral"]

    public init(gguf: GGUFFile) throws(ModelError) {
        guard let arch = gguf.architecture else { throw .missingMetadata("general.architecture") }
        guard Self.supportedArchitectures.contains(arch) else { throw .unsupportedArchitecture(arch) }
        func int(_ key: String) throws(ModelError) -> Int {
            guard let v = gguf.int("\(arch).\(key)"), v > 0 else { throw .missingMetadata("\(arch).\(key)") }
            return v
        }
        architecture = arch
        layerCount = try int("block_count")
        dim = try int("embedding_length")
        ffnDim = try int("feed_forward_length")
        headCount = try int("attention.head_count")
        kvHeadCount = gguf.int("\(arch).attention.head_count_kv") ?? headCount
        headDim = gguf.int("\(arch).attention.key_length") ?? dim / headCount
        rotaryDim = gguf.int("\(arch).rope.dimension_count") ?? headDim
        contextLength = gguf.int("\(arch).context_length") ?? 2048
        vocabularySize = gguf.int("\(arch).vocab_size") ?? gguf.stringArray("tokenizer.ggml.tokens")?.count ?? 0
        rmsEpsilon = Float(gguf.double("\(arch).attention.layer_norm_rms_epsilon") ?? 1e-5)
        ropeFreqBase = gguf.double("\(arch).rope.freq_base") ?? 10000
        ropeLayout = arch == "qwen2" ? .neox : .normal
        ropePositionScale = 1
        if gguf.string("\(arch).rope.scaling.type") == "linear", let factor = gguf.double("\(arch).rope.scaling.factor"), factor > 0 {
            ropePositionScale = 1 / factor
        }
        guard kvHeadCount > 0, headCount % kvHeadCount == 0 else {
            throw .invalidShape("head_count \(headCount) is not a multiple of head_count_kv \(kvHeadCount)")
        }
        guard headDim <= 256, groupSize <= 16, rotaryDim <= headDim, rotaryDim % 2 == 0 else {
            throw .invalidShape("head dimension \(headDim) / rotary \(rotaryDim) / group \(groupSize) outside what the kernels handle")
        }
        guard vocabularySize > 0 else { throw .missingMetadata("\(arch).vocab_size") }
    }
}

/// Why a model could not be loaded or run.
public enum ModelError: Error, Equatable, CustomStringConvertible {
    case missingMetadata(String)
    case unsupportedArchitecture(String)
    case missingTensor(String)
    case tensorShape(name: String, expected: [Int], found: [Int])
    case unsupportedTensorType(name: String, type: String)
    case invalidShape(String)
    case batchTooLarge(tokens: Int, capacity: Int)
    case invalidBatch(String)

    public var description: String {
        switch self {
        case let .missingMetadata(key): "model metadata lacks \(key)"
        case let .unsupportedArchitecture(arch): "model architecture \(arch) is not supported (supported: \(ModelConfig.supportedArchitectures.sorted().joined(separator: ", ")))"
        case let .missingTensor(name): "model file lacks tensor \(name)"
        case let .tensorShape(name, expected, found): "tensor \(name) has shape \(found), expected \(expected)"
        case let .unsupportedTensorType(name, type): "tensor \(name) has type \(type), which has no kernel"
        case let .invalidShape(why): "model shape not supported: \(why)"
        case let .batchTooLarge(tokens, capacity): "batch of \(tokens) tokens exceeds the forward pass capacity of \(capacity)"
        case let .invalidBatch(why): "invalid batch: \(why)"
        }
    }
}
