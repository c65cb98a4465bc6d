/// One tensor's entry in the file's table: where its bytes are and how to read them.
public struct GGUFTensorInfo: Sendable, Equatable {
    public let name: String
    /// Dimensions in ggml order: `dims[0]` is the contiguous (row) length.
    public let dims: [Int]
    public let type: TensorType
    /// Absolute byte offset of the tensor's data in the file.
    public let fileOffset: Int
    public let byteCount: Int

    public var elementCount: Int { dims.reduce(1, *) }
    /// Elements in one row (`dims[0]`) and the number of rows (the product of the rest).
    public var rowElements: Int { dims.first ?? 1 }
    public var rowCount: Int { dims.dropFirst().reduce(1, *) }
    public var rowBytes: Int { rowElements / type.blockElements * type.blockBytes }
}
