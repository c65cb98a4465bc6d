/// A number in a cost model with where it comes from written beside it, so a reader of the
/// JSON file can check every coefficient against its source (docs/SIMULATOR.md).
public struct SourcedValue: Sendable, Codable, Hashable {
    public var value: Double
    /// The measurement, datasheet figure or derivation the value comes from.
    public var source: String

    public init(_ value: Double, source: String) {
        self.value = value
        self.source = source
    }
}
