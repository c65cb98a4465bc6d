/// Everything that can be wrong with a GGUF file, each naming what was found and where.
public enum GGUFError: Error, Equatable, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    case badMagic(found: UInt32)
    case unsupportedVersion(UInt32)
    case truncated(what: String, offset: Int)
    case countTooLarge(what: String, count: UInt64)
    case unknownValueType(UInt32, key: String)
    case invalidString(offset: Int)
    case nestingTooDeep(key: String)
    case duplicateKey(String)
    case tooManyDimensions(tensor: String, count: UInt32)
    case invalidDimension(tensor: String, dims: [UInt64])
    case unknownTensorType(tensor: String, type: UInt32)
    case sizeOverflow(tensor: String)
    case rowNotBlockAligned(tensor: String, rowElements: Int, blockElements: Int)
    case misalignedTensor(tensor: String, offset: UInt64, alignment: Int)
    case tensorOutOfBounds(tensor: String, end: UInt64, fileSize: Int)
    case badAlignment(UInt64)
    case duplicateTensor(String)

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason): "cannot open GGUF file \(path): \(reason)"
        case let .badMagic(found): "not a GGUF file: magic is 0x\(String(found, radix: 16)), expected 0x46554747 (\"GGUF\")"
        case let .unsupportedVersion(v): "unsupported GGUF version \(v) (this reader handles versions 2 and 3)"
        case let .truncated(what, offset): "GGUF file is truncated: \(what) at byte \(offset) runs past the end of the file"
        case let .countTooLarge(what, count): "GGUF file is corrupt: \(what) count \(count) cannot fit in the file"
        case let .unknownValueType(t, key): "GGUF metadata key \(key) has unknown value type \(t)"
        case let .invalidString(offset): "GGUF string at byte \(offset) is not valid UTF-8"
        case let .nestingTooDeep(key): "GGUF metadata key \(key) nests arrays too deeply"
        case let .duplicateKey(key): "GGUF metadata key \(key) appears twice"
        case let .tooManyDimensions(tensor, count): "tensor \(tensor) has \(count) dimensions (at most 4 are allowed)"
        case let .invalidDimension(tensor, dims): "tensor \(tensor) has invalid dimensions \(dims)"
        case let .unknownTensorType(tensor, type): "tensor \(tensor) has tensor type \(type), which this reader does not support"
        case let .sizeOverflow(tensor): "tensor \(tensor) is so large its byte size overflows"
        case let .rowNotBlockAligned(tensor, row, block): "tensor \(tensor) has rows of \(row) elements, not a multiple of its block size \(block)"
        case let .misalignedTensor(tensor, offset, alignment): "tensor \(tensor) data offset \(offset) is not a multiple of the alignment \(alignment)"
        case let .tensorOutOfBounds(tensor, end, size): "tensor \(tensor) data ends at byte \(end), past the end of the file (\(size) bytes)"
        case let .badAlignment(a): "GGUF general.alignment \(a) is not a positive power of two"
        case let .duplicateTensor(name): "tensor \(name) appears twice"
        }
    }
}
