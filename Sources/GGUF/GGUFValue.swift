/// One metadata value. Arrays hold values of a single element type, as the format requires.
public enum GGUFValue: Sendable, Equatable, CustomStringConvertible {
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16)
    case uint32(UInt32), int32(Int32), uint64(UInt64), int64(Int64)
    case float32(Float), float64(Double), bool(Bool), string(String)
    case array([GGUFValue])

    /// Any integer type, widened; nil for non-integers or values that do not fit an Int.
    public var intValue: Int? {
        switch self {
        case let .uint8(v): Int(v)
        case let .int8(v): Int(v)
        case let .uint16(v): Int(v)
        case let .int16(v): Int(v)
        case let .uint32(v): Int(v)
        case let .int32(v): Int(v)
        case let .uint64(v): Int(exactly: v)
        case let .int64(v): Int(v)
        case let .bool(v): v ? 1 : 0
        default: nil
        }
    }

    /// Any float or integer type, as a Double.
    public var doubleValue: Double? {
        switch self {
        case let .float32(v): Double(v)
        case let .float64(v): v
        default: intValue.map(Double.init)
        }
    }

    public var stringValue: String? { if case let .string(s) = self { s } else { nil } }
    public var arrayValue: [GGUFValue]? { if case let .array(a) = self { a } else { nil } }
    public var boolValue: Bool? {
        switch self {
        case let .bool(b): b
        default: intValue.map { $0 != 0 }
        }
    }

    public var description: String {
        switch self {
        case let .uint8(v): "\(v)"
        case let .int8(v): "\(v)"
        case let .uint16(v): "\(v)"
        case let .int16(v): "\(v)"
        case let .uint32(v): "\(v)"
        case let .int32(v): "\(v)"
        case let .uint64(v): "\(v)"
        case let .int64(v): "\(v)"
        case let .float32(v): "\(v)"
        case let .float64(v): "\(v)"
        case let .bool(v): "\(v)"
        case let .string(s): s.debugDescription
        case let .array(a):
            a.count <= 8
                ? "[" + a.map(\.description).joined(separator: ", ") + "]"
                : "[" + a.prefix(4).map(\.description).joined(separator: ", ") + ", ... (\(a.count) items)]"
        }
    }
}
