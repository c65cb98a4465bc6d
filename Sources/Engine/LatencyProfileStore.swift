import Foundation
import LlamaModel
import Scheduling

/// Fitted latency models on disk, one JSON file per `LatencyProfileKey` in `directory` (the
/// CLI's is `$CONSERVE_HOME/profiles/`), so the minute-long profile runs once per model,
/// machine and thread count rather than at every start.
///
/// A file that cannot be read, does not decode, or holds another key or unusable
/// coefficients is reported through `log` and treated as missing: the cost of a bad file is
/// one new profile, never a failed start.
public struct LatencyProfileStore: Sendable {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    public func path(for key: LatencyProfileKey) -> String {
        directory + "/" + key.fileName
    }

    /// The stored record for `key`, or nil when there is none or it cannot be used.
    public func load(_ key: LatencyProfileKey, log: (String) -> Void = { _ in }) -> LatencyModelRecord? {
        let path = path(for: key)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        func ignore(_ why: String) -> LatencyModelRecord? {
            log("conserve: ignoring the latency profile \(path): \(why); it will be measured again")
            return nil
        }
        let record: LatencyModelRecord
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            record = try Self.decoder.decode(LatencyModelRecord.self, from: data)
        } catch let error as DecodingError {
            return ignore("it is not a valid profile (\(Self.describe(error)))")
        } catch {
            return ignore("it cannot be read (\(error.localizedDescription))")
        }
        guard record.formatVersion == LatencyModelRecord.currentFormatVersion else {
            return ignore("it has format version \(record.formatVersion), this build reads \(LatencyModelRecord.currentFormatVersion)")
        }
        guard record.key == key else { return ignore("it was measured for \(record.key), not \(key)") }
        guard record.isUsable else { return ignore("its coefficients \(record.model.coefficients) are not all finite and non-negative") }
        return record
    }

    /// Writes `record` under its key, atomically (a reader never sees half a file). Returns the path.
    @discardableResult
    public func save(_ record: LatencyModelRecord) throws(LatencyProfileStoreError) -> String {
        let path = path(for: record.key)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let data = try Self.encoder.encode(record)
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw .cannotWrite(path, error.localizedDescription)
        }
        return path
    }

    /// The latency model for `model` (loaded from `modelPath`) run with `threads` threads:
    /// the stored one if there is a usable one, otherwise a fresh profile, fitted and saved.
    /// A profile that cannot be saved is still returned (and the failure logged).
    public static func loadOrProfile(model: LoadedModel, modelPath: String, threads: Int, log: (String) -> Void,
                                     store: LatencyProfileStore,
                                     sweep: LatencyProfiler.Sweep = .standard) throws -> LatencyModel {
        let key = try LatencyProfileKey.current(modelPath: modelPath, threads: threads)
        if let record = store.load(key, log: log) { return record.model }
        log("conserve: no latency profile for this model, CPU and \(threads) threads; measuring one (about a minute)")
        let profile = try LatencyProfiler(model: model, threads: threads).run(sweep)
        let record = try LatencyModelRecord(fitting: profile, key: key, modelPath: modelPath)
        log("conserve: latency model fitted to \(record.fitSampleCount) steps measured in "
            + String(format: "%.0f s; held-out error %.1f%% mean, %.1f%% max", profile.seconds,
                     100 * record.heldOutMeanAbsolutePercentageError, 100 * record.heldOutMaxAbsolutePercentageError))
        do {
            let path = try store.save(record)
            log("conserve: saved the latency profile to \(path)")
        } catch {
            log("conserve: \(error); the profile will be measured again next time")
        }
        return record.model
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case let .dataCorrupted(context): "corrupt data at \(path(context)): \(context.debugDescription)"
        case let .keyNotFound(key, context): "missing \(key.stringValue) at \(path(context))"
        case let .typeMismatch(_, context), let .valueNotFound(_, context): "wrong value at \(path(context)): \(context.debugDescription)"
        @unknown default: "\(error)"
        }
    }

    private static func path(_ context: DecodingError.Context) -> String {
        let path = context.codingPath.map(\.stringValue).joined(separator: ".")
        return path.isEmpty ? "the top level" : path
    }
}

/// Why a latency profile could not be keyed or stored.
public enum LatencyProfileStoreError: Error, Equatable, CustomStringConvertible {
    case cannotReadModel(String, String)
    case cannotWrite(String, String)

    public var description: String {
        switch self {
        case let .cannotReadModel(path, why):
            "cannot read the model file \(path) to identify it for its latency profile: \(why). Check the path and its permissions."
        case let .cannotWrite(path, why):
            "cannot save the latency profile to \(path): \(why). Check that the directory is writable, or set CONSERVE_HOME to one that is."
        }
    }
}
