import ArgumentParser
import Engine
import Foundation
import Kernels
import LlamaModel
import Scheduling

/// `conserve profile`: measures step times over a sweep of token mixes, fits the latency
/// model the scheduler budgets with (DESIGN §5), reports its error on held-out steps and
/// saves it where the server looks for it.
struct ProfileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract: "Measure step latency on this machine and fit the scheduler's latency model.",
        discussion: """
        The profile is stored under $CONSERVE_HOME/profiles, keyed by the model file's hash, the CPU model, \
        the thread count and the kernel level. Without --force a stored profile is reported, not measured again.
        """
    )

    @OptionGroup var modelOptions: ModelOptions

    @Flag(help: "Print one JSON document on standard output instead of a table.")
    var json = false

    @Flag(help: "Measure again even if a profile for this model, CPU and thread count is stored.")
    var force = false

    func run() throws {
        let path = try modelOptions.resolvedPath()
        let threads = modelOptions.threads
        let store = LatencyProfileStore.standard
        let key = try LatencyProfileKey.current(modelPath: path, threads: threads)

        if !force, let record = store.load(key, log: Console.status) {
            Console.status("conserve: using the stored profile \(store.path(for: key)) (use --force to measure again)")
            try report(Report(record: record, path: store.path(for: key), measuredNow: false))
            return
        }

        let model = try LoadedModel(path: path)
        Console.status("conserve: profiling \(path) with \(threads) threads (about a minute)")
        var nextTenth = 1
        let profile = try LatencyProfiler(model: model, threads: threads).run(.standard) { progress in
            while progress.completed * 10 >= nextTenth * progress.total {
                Console.status("conserve: profiled \(nextTenth * 10)% (\(progress.completed)/\(progress.total) steps)")
                nextTenth += 1
            }
        }
        let record = try LatencyModelRecord(fitting: profile, key: key, modelPath: path)
        let savedPath = try store.save(record)
        var report = Report(record: record, path: savedPath, measuredNow: true)
        // Every objective's held-out error on the same steps, so the choice of the default can
        // be checked on any machine.
        for objective in LatencyModel.Objective.allCases {
            if let model = try? LatencyModel.fit(profile.fit, objective: objective) {
                report.heldOutErrorByObjective[objective.rawValue] = model.meanAbsolutePercentageError(profile.heldOut)
            }
        }
        report.measurements = profile.measurements.map { Report.Measurement($0, model: record.model) }
        try self.report(report)
    }

    private func report(_ report: Report) throws {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.dateEncodingStrategy = .iso8601
            Console.write(String(decoding: try encoder.encode(report), as: UTF8.self) + "\n")
            return
        }
        let r = report.record
        func percent(_ x: Double) -> String { String(format: "%.1f%%", 100 * x) }
        print("model:   \(r.modelPath)")
        print("machine: \(r.key.cpuModel), \(r.key.threads) threads, \(r.key.kernels) kernels")
        print("profile: \(r.fitSampleCount) steps fitted, \(r.heldOutSampleCount) held out, "
            + String(format: "%.1f s", r.profileSeconds) + (report.measuredNow ? "" : " (stored \(r.created))")
            + "; runs of a step spread by \(percent(r.medianRunSpread)) (median)")
        print("latency model, T = a0 + a1·P + a2·Σp(c+p/2) + a3·Σc + a4·N:")
        let m = r.model
        print(String(format: "  a0 per step                 %10.4f ms", m.perStep * 1e3))
        print(String(format: "  a1 per token                %10.4f ms", m.perToken * 1e3))
        print(String(format: "  a2 per attention position   %10.4f µs", m.perAttentionPosition * 1e6))
        print(String(format: "  a3 per context position    %10.4f µs", m.perContextPosition * 1e6))
        print(String(format: "  a4 per sequence             %10.4f ms", m.perSequence * 1e3))
        print("held-out error: \(percent(r.heldOutMeanAbsolutePercentageError)) mean, \(percent(r.heldOutMaxAbsolutePercentageError)) max"
            + " (on fitted steps: \(percent(r.fitMeanAbsolutePercentageError)) mean; target: under 5% mean)")
        if let byContext = r.heldOutErrorByContext, !byContext.isEmpty {
            print("  held-out mean error by context (mean cached positions per sequence): " + byContext.map {
                "\($0.lowerContext)–\($0.upperContext.map(String.init) ?? "") \(percent($0.meanError)) (\($0.steps))"
            }.joined(separator: ", "))
        }
        if !report.heldOutErrorByObjective.isEmpty {
            let others = LatencyModel.Objective.allCases.compactMap { objective in
                report.heldOutErrorByObjective[objective.rawValue].map { "\(objective.rawValue) \(percent($0))" }
            }
            print("  held-out mean error if fitted by each objective (\(r.objective.rawValue) is used): " + others.joined(separator: ", "))
        }
        print("saved:   \(report.path)")
    }

    /// The JSON form: the stored record, where it is, and on a fresh profile every step measured.
    struct Report: Encodable {
        struct Measurement: Encodable {
            var step: String
            var features: StepFeatures
            var heldOut: Bool
            var runs: [Double]
            var seconds: Double
            var predictedSeconds: Double

            init(_ measurement: LatencyProfiler.Measurement, model: LatencyModel) {
                step = measurement.shape.description
                features = measurement.shape.features
                heldOut = measurement.isHeldOut
                runs = measurement.runs
                seconds = measurement.median
                predictedSeconds = model.predict(features)
            }
        }

        var record: LatencyModelRecord
        var path: String
        var measuredNow: Bool
        var heldOutErrorByObjective: [String: Double] = [:]
        var measurements: [Measurement]?
    }
}
