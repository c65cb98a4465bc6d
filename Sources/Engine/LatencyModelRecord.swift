import Foundation
import Scheduling

/// A fitted latency model as stored on disk: the coefficients, what they are valid for,
/// and how well they did on the profile's held-out steps.
public struct LatencyModelRecord: Sendable, Codable, Equatable {
    /// Bumped when the stored form or the model's form changes; other versions read as missing.
    public static let currentFormatVersion = 2

    public var formatVersion: Int
    public var key: LatencyProfileKey
    /// The model file profiled, for people reading the file; the key is what identifies it.
    public var modelPath: String
    public var model: LatencyModel
    /// What the fit minimized.
    public var objective: LatencyModel.Objective
    /// Mean and largest absolute percentage error on the held-out steps, as fractions.
    public var heldOutMeanAbsolutePercentageError: Double
    public var heldOutMaxAbsolutePercentageError: Double
    /// Mean absolute percentage error on the steps the model was fitted to.
    public var fitMeanAbsolutePercentageError: Double
    public var fitSampleCount: Int
    public var heldOutSampleCount: Int
    /// How long the profile took, in seconds.
    public var profileSeconds: Double
    /// The profile's timing noise: over shapes, the median of (slowest − fastest) / median run.
    public var medianRunSpread: Double
    public var created: Date
    /// Held-out error per context range (mean cached positions per sequence), so the long
    /// contexts a service reaches are seen apart from the many short steps of the sweep. Optional
    /// so a record of an older format decodes, and is then turned down by its version.
    public var heldOutErrorByContext: [ContextRangeError]?

    public init(key: LatencyProfileKey, modelPath: String, model: LatencyModel, objective: LatencyModel.Objective,
                heldOutMeanAbsolutePercentageError: Double, heldOutMaxAbsolutePercentageError: Double,
                fitMeanAbsolutePercentageError: Double, fitSampleCount: Int, heldOutSampleCount: Int,
                profileSeconds: Double, medianRunSpread: Double, created: Date = LatencyModelRecord.now()) {
        formatVersion = Self.currentFormatVersion
        self.key = key
        self.modelPath = modelPath
        self.model = model
        self.objective = objective
        self.heldOutMeanAbsolutePercentageError = heldOutMeanAbsolutePercentageError
        self.heldOutMaxAbsolutePercentageError = heldOutMaxAbsolutePercentageError
        self.fitMeanAbsolutePercentageError = fitMeanAbsolutePercentageError
        self.fitSampleCount = fitSampleCount
        self.heldOutSampleCount = heldOutSampleCount
        self.profileSeconds = profileSeconds
        self.medianRunSpread = medianRunSpread
        self.created = created
    }

    /// Fits a model to a profile and measures it on the profile's held-out steps.
    public init(fitting profile: LatencyProfiler.Profile, key: LatencyProfileKey, modelPath: String,
                objective: LatencyModel.Objective = .absolutePercentage) throws(LatencyModelError) {
        let model = try LatencyModel.fit(profile.fit, objective: objective)
        self.init(key: key, modelPath: modelPath, model: model, objective: objective,
                  heldOutMeanAbsolutePercentageError: model.meanAbsolutePercentageError(profile.heldOut),
                  heldOutMaxAbsolutePercentageError: model.maxAbsolutePercentageError(profile.heldOut),
                  fitMeanAbsolutePercentageError: model.meanAbsolutePercentageError(profile.fit),
                  fitSampleCount: profile.fit.count, heldOutSampleCount: profile.heldOut.count,
                  profileSeconds: profile.seconds, medianRunSpread: profile.medianSpread)
        heldOutErrorByContext = model.errorsByContext(profile.heldOut)
    }

    /// Now, to the whole second: what the stored ISO 8601 date keeps, so a record reads back equal.
    public static func now() -> Date {
        Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
    }

    /// Whether the record can be used: a known format and coefficients a scheduler can trust.
    var isUsable: Bool {
        formatVersion == Self.currentFormatVersion
            && model.coefficients.allSatisfy { $0.isFinite && $0 >= 0 }
            && model.coefficients.contains { $0 > 0 }
    }
}
