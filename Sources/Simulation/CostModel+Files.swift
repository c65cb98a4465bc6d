import Foundation
import Scheduling

/// Reading cost models: the ones shipped in `CostModels/` by name, or any JSON file by path.
extension CostModel {
    /// Names of the shipped models (`cpu`, `h100-llama-3.1-8b`, `4xh100-llama-3.1-70b`).
    public static var shippedNames: [String] {
        guard let directory = Bundle.module.resourceURL?.appendingPathComponent("CostModels"),
              let files = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return [] }
        return files.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
    }

    /// A shipped model by name, or a JSON file by path.
    public static func load(_ nameOrPath: String) throws(CostModelError) -> CostModel {
        let url: URL
        if nameOrPath.hasSuffix(".json") || nameOrPath.contains("/") {
            url = URL(fileURLWithPath: nameOrPath)
        } else if let shipped = Bundle.module.url(forResource: nameOrPath, withExtension: "json", subdirectory: "CostModels") {
            url = shipped
        } else {
            throw .unknown(nameOrPath, known: shippedNames)
        }
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw .unreadable(url.path, error.localizedDescription) }
        let model: CostModel
        do { model = try JSONDecoder().decode(CostModel.self, from: data) } catch { throw .invalid(url.path, "\(error)") }
        if let problem = model.validationError() { throw .invalid(url.path, problem) }
        return model
    }

    /// This model with the step-time coefficients of a fitted latency model (the `cpu` model
    /// takes this machine's profile at run time; the file's values are the profile it was written from).
    public func replacingCoefficients(with fitted: LatencyModel, source: String) -> CostModel {
        var copy = self
        copy.perStep = SourcedValue(fitted.perStep, source: source)
        copy.perToken = SourcedValue(fitted.perToken, source: source)
        copy.perAttentionPosition = SourcedValue(fitted.perAttentionPosition, source: source)
        copy.perContextPosition = SourcedValue(fitted.perContextPosition, source: source)
        copy.perSequence = SourcedValue(fitted.perSequence, source: source)
        copy.weightReadFloor = SourcedValue(0, source: source)
        copy.computeIntercept = SourcedValue(0, source: source)
        return copy
    }
}

/// Why a cost model could not be used; the message says what to do.
public enum CostModelError: Error, CustomStringConvertible, Equatable {
    case unknown(String, known: [String])
    case unreadable(String, String)
    case invalid(String, String)

    public var description: String {
        switch self {
        case .unknown(let name, let known):
            "no cost model '\(name)'; use one of \(known.joined(separator: ", ")) or a path to a JSON file"
        case .unreadable(let path, let why): "cannot read the cost model \(path): \(why)"
        case .invalid(let path, let why): "the cost model \(path) is not usable: \(why)"
        }
    }
}
