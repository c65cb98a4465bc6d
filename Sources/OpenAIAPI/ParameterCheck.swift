/// Range and length rules on already-typed values, shared by every request type's
/// `validate()`. Each throws the 400 error that names `param`; a nil value (not sent) passes.
enum ParameterCheck {
    static func number(_ value: Double?, _ param: String, in range: ClosedRange<Double>,
                       excludingLowerBound: Bool = false) throws(APIError) {
        guard let value else { return }
        guard value.isFinite else {
            throw .invalidValue(param: param, "expected a finite number, but got \(value) instead.")
        }
        if value < range.lowerBound || (excludingLowerBound && value == range.lowerBound) {
            throw .belowMinimum(param: param, minimum: range.lowerBound, exclusive: excludingLowerBound,
                                got: value, isInteger: false)
        }
        if value > range.upperBound {
            throw .aboveMaximum(param: param, maximum: range.upperBound, got: value, isInteger: false)
        }
    }

    /// A number that must be greater than zero (no upper bound): SLO targets.
    static func positive(_ value: Double?, _ param: String) throws(APIError) {
        try number(value, param, in: 0...Double.greatestFiniteMagnitude, excludingLowerBound: true)
    }

    static func integer(_ value: Int?, _ param: String, atLeast minimum: Int, atMost maximum: Int? = nil) throws(APIError) {
        guard let value else { return }
        if value < minimum {
            throw .belowMinimum(param: param, minimum: Double(minimum), got: Double(value), isInteger: true)
        }
        if let maximum, value > maximum {
            throw .aboveMaximum(param: param, maximum: Double(maximum), got: Double(value), isInteger: true)
        }
    }

    /// Up to four stop sequences, none empty: an empty one would end every completion at once.
    static func stopSequences(_ stop: [String]?, _ param: String = "stop") throws(APIError) {
        guard let stop else { return }
        if stop.count > 4 { throw .arrayTooLong(param: param, maximum: 4, got: stop.count) }
        if let index = stop.firstIndex(of: "") {
            throw .invalidValue(param: "\(param)[\(index)]", "stop sequences must not be empty strings.")
        }
    }
}
