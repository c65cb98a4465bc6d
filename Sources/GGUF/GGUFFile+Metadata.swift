/// Typed metadata lookups; each returns nil when the key is absent or has another type.
extension GGUFFile {
    public func string(_ key: String) -> String? { metadata[key]?.stringValue }
    public func int(_ key: String) -> Int? { metadata[key]?.intValue }
    public func double(_ key: String) -> Double? { metadata[key]?.doubleValue }
    public func bool(_ key: String) -> Bool? { metadata[key]?.boolValue }

    public func stringArray(_ key: String) -> [String]? {
        guard let items = metadata[key]?.arrayValue else { return nil }
        var out: [String] = []
        out.reserveCapacity(items.count)
        for item in items {
            guard let s = item.stringValue else { return nil }
            out.append(s)
        }
        return out
    }

    public func intArray(_ key: String) -> [Int]? {
        guard let items = metadata[key]?.arrayValue else { return nil }
        var out: [Int] = []
        out.reserveCapacity(items.count)
        for item in items {
            guard let v = item.intValue else { return nil }
            out.append(v)
        }
        return out
    }

    public func doubleArray(_ key: String) -> [Double]? {
        guard let items = metadata[key]?.arrayValue else { return nil }
        var out: [Double] = []
        out.reserveCapacity(items.count)
        for item in items {
            guard let v = item.doubleValue else { return nil }
            out.append(v)
        }
        return out
    }

    /// `general.architecture`, the prefix of the model's hyperparameter keys.
    public var architecture: String? { string("general.architecture") }
}
