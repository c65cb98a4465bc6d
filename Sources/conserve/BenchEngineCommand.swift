import ArgumentParser
import Engine
import Foundation
import LlamaModel
import Scheduling
import Tokenization

/// `conserve bench engine`: the engine mechanisms' figures (issue "The co-serving engine"):
/// latency-model error, preemption latency, checkpoint resume against recompute, `conserve`'s
/// overhead against `fcfs` with no online load, and prefix caching's TTFT gain.
struct BenchEngineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Latency model error, preemption latency, checkpoint resume, policy overhead and prefix caching."
    )

    @OptionGroup var modelOptions: ModelOptions

    @OptionGroup var engineOptions: EngineOptions

    @Option(help: "Which parts to run (latency-model, preemption, resume, overhead, prefix-cache); default all.")
    var parts: [String] = Part.allCases.map(\.rawValue)

    @Option(help: "Offline requests in the overhead run.")
    var offlineRequests = 48

    @Option(help: "Rounds of the overhead run (fcfs and conserve alternate).")
    var rounds = 2

    @Flag(help: "Print every figure as one JSON document on standard output.")
    var json = false

    enum Part: String, CaseIterable { case latencyModel = "latency-model", preemption, resume, overhead, prefixCache = "prefix-cache" }

    func validate() throws {
        for part in parts where Part(rawValue: part) == nil {
            throw ValidationError("unknown part '\(part)'; choose from \(Part.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard offlineRequests >= 1, rounds >= 1 else { throw ValidationError("--offline-requests and --rounds must be positive") }
    }

    func run() async throws {
        let path = try modelOptions.resolvedPath()
        let model = try LoadedModel(path: path)
        let tokenizer = try Tokenizer(gguf: model.file)
        var report = EngineBenchReport()
        let selected = Set(parts.compactMap(Part.init(rawValue:)))
        let threads = modelOptions.threads
        if selected.contains(.latencyModel) {
            Console.status("latency model: profiling (about a minute)…")
            report.latencyModel = try EngineBenchParts.latencyModel(model: model, threads: threads)
        }
        if selected.contains(.preemption) {
            Console.status("preemption latency…")
            report.preemption = try EngineBenchParts.preemption(model: model, threads: threads)
        }
        if selected.contains(.resume) {
            Console.status("checkpoint resume against recompute…")
            report.resume = try EngineBenchParts.resume(model: model, threads: threads)
        }
        let engineConfiguration = try engineOptions.configuration(threads: threads)
        let needsEngine = selected.contains(.overhead) || selected.contains(.prefixCache)
        let latency = needsEngine
            ? try LatencyProfileStore.loadOrProfile(model: model, modelPath: path, threads: threads, log: Console.status, store: .standard) : nil
        if selected.contains(.overhead) {
            Console.status("conserve against fcfs, offline only…")
            report.overhead = try await EngineBenchParts.overhead(model: model, tokenizer: tokenizer, configuration: engineConfiguration,
                                                                  latencyModel: latency, requests: offlineRequests, rounds: rounds)
        }
        if selected.contains(.prefixCache) {
            Console.status("prefix caching…")
            report.prefixCache = try await EngineBenchParts.prefixCache(model: model, tokenizer: tokenizer, configuration: engineConfiguration,
                                                                        latencyModel: latency)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            Console.write(String(decoding: try encoder.encode(report), as: UTF8.self) + "\n")
        } else {
            Console.write(report.table())
        }
    }
}
