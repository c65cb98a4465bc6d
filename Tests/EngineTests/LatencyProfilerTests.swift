import Foundation
import Testing
@testable import Engine
import LlamaModel
import Scheduling

/// Collects log lines from code that reports through a `(String) -> Void`.
private final class LogLines: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []
    var lines: [String] { lock.withLock { storage } }
    func append(_ line: String) { lock.withLock { storage.append(line) } }
}

@Suite(.serialized) struct LatencyProfilerTests {
    @Test func quickSweepMeasuresEveryShapeOnce() throws {
        let model = try EngineTestSupport.model.get()
        let sweep = LatencyProfiler.Sweep.quick
        let config = model.config
        let shapes = sweep.shapes(contextLength: config.contextLength, kvBytesPerPosition: KVPool.bytesPerPosition(config))
        var progressCount = 0
        let profile = try LatencyProfiler(model: model, threads: 2).run(sweep) { progress in
            progressCount += 1
            #expect(progress.completed == progressCount && progress.total == shapes.count * sweep.repeats)
        }
        #expect(progressCount == shapes.count * sweep.repeats)
        #expect(profile.fit.count + profile.heldOut.count == shapes.count)
        #expect(profile.heldOut.count == shapes.indices.filter(sweep.isHeldOut).count)
        #expect(!profile.heldOut.isEmpty && profile.fit.count >= LatencyModel.minimumSampleCount)
        #expect((profile.fit + profile.heldOut).allSatisfy { $0.seconds > 0 && $0.seconds.isFinite })
        let measured = Set((profile.fit + profile.heldOut).map(\.features))
        #expect(measured == Set(shapes.map(\.features)))
        #expect(profile.measurements.allSatisfy { $0.runs.count == 1 && $0.spread == 0 })
        // Fitting real timings gives a usable model; how accurate it is, is `conserve profile`'s to report.
        let fitted = try LatencyModel.fit(profile.fit)
        #expect(fitted.coefficients.allSatisfy { $0.isFinite && $0 >= 0 })
    }

    @Test func sweepShapesAreDeterministicAndCoverEveryFamily() {
        let sweep = LatencyProfiler.Sweep.standard
        let a = sweep.shapes(contextLength: 8192, kvBytesPerPosition: 46080)
        let b = sweep.shapes(contextLength: 8192, kvBytesPerPosition: 46080)
        #expect(a == b)
        let heldOut = a.indices.filter(sweep.isHeldOut).map { a[$0] }
        #expect(heldOut.contains { $0.runs.count == 1 && $0.runs[0].newTokens > 1 }) // a prefill chunk alone
        #expect(heldOut.contains { $0.runs.allSatisfy { $0.newTokens == 1 } })       // decodes alone
        #expect(heldOut.contains { $0.runs.count > 1 && $0.runs.contains { $0.newTokens > 1 } }) // a mix
        // Nothing past the context length or the KV limit.
        let short = sweep.shapes(contextLength: 600, kvBytesPerPosition: 46080)
        #expect(!short.isEmpty && short.allSatisfy { $0.runs.allSatisfy { $0.cachedTokens + $0.newTokens <= 600 } })
        #expect(a.allSatisfy { $0.positions * 46080 <= sweep.maxKVBytes })
    }

    @Test func storeRoundTripsARecord() throws {
        let store = LatencyProfileStore(directory: try EngineTestSupport.temporaryDirectory() + "/profiles")
        defer { try? FileManager.default.removeItem(atPath: store.directory) }
        let key = LatencyProfileKey(modelHash: "fnv1a64-words:0123456789abcdef", cpuModel: "Test CPU @ 1 GHz", threads: 3, kernels: "avx2")
        let record = Self.record(key: key)
        #expect(store.load(key) == nil)
        let path = try store.save(record)
        #expect(path == store.path(for: key) && FileManager.default.fileExists(atPath: path))
        #expect(store.load(key) == record)
        // Another thread count is another profile.
        var other = key
        other.threads = 4
        #expect(store.load(other) == nil)
    }

    @Test func corruptOrMismatchedFilesReadAsMissing() throws {
        let store = LatencyProfileStore(directory: try EngineTestSupport.temporaryDirectory())
        defer { try? FileManager.default.removeItem(atPath: store.directory) }
        let key = LatencyProfileKey(modelHash: "fnv1a64-words:00000000000000ff", cpuModel: "Test CPU", threads: 2, kernels: "scalar")
        let path = try store.save(Self.record(key: key))
        let good = try Data(contentsOf: URL(fileURLWithPath: path))

        var negative = Self.record(key: key)
        negative.model.perToken = -1
        var wrongKey = Self.record(key: key)
        wrongKey.key.cpuModel = "Another CPU"
        var futureFormat = Self.record(key: key)
        futureFormat.formatVersion = 99
        let broken: [Data] = [
            Data("not json at all".utf8),
            good.prefix(good.count / 2),
            Data(),
            Data("{\"formatVersion\": 1}".utf8),
            try LatencyProfileStore.encoder.encode(negative),
            try LatencyProfileStore.encoder.encode(wrongKey),
            try LatencyProfileStore.encoder.encode(futureFormat),
        ]
        for data in broken {
            try data.write(to: URL(fileURLWithPath: path))
            let log = LogLines()
            #expect(store.load(key, log: log.append) == nil)
            #expect(log.lines.count == 1 && log.lines[0].contains(path), "\(log.lines)")
        }
    }

    @Test func modelHashTellsFilesApart() throws {
        let directory = try EngineTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var bytes = [UInt8](repeating: 7, count: 1000)
        func hash(_ bytes: [UInt8], _ name: String) throws -> String {
            let path = directory + "/" + name
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            return try LatencyProfileKey.modelHash(path: path)
        }
        let original = try hash(bytes, "a")
        #expect(original == (try hash(bytes, "b")))
        #expect(original.hasPrefix("fnv1a64-words:") && original.count == "fnv1a64-words:".count + 16)
        bytes[999] = 8 // in the zero-padded tail
        #expect(original != (try hash(bytes, "c")))
        bytes[999] = 7
        bytes[8] ^= 0x80 // one bit of a whole word
        #expect(original != (try hash(bytes, "d")))
        #expect(original != (try hash(bytes + [0], "e")))
        #expect(throws: LatencyProfileStoreError.self) { try LatencyProfileKey.modelHash(path: directory + "/missing") }
    }

    @Test func loadOrProfileMeasuresOnceThenLoads() throws {
        let model = try EngineTestSupport.model.get()
        let modelPath = try EngineTestSupport.defaultModelPath()
        let store = LatencyProfileStore(directory: try EngineTestSupport.temporaryDirectory())
        defer { try? FileManager.default.removeItem(atPath: store.directory) }
        let first = LogLines()
        let measured = try LatencyProfileStore.loadOrProfile(model: model, modelPath: modelPath, threads: 2, log: first.append,
                                                             store: store, sweep: .quick)
        #expect(first.lines.contains { $0.contains("saved the latency profile") }, "\(first.lines)")
        let second = LogLines()
        let loaded = try LatencyProfileStore.loadOrProfile(model: model, modelPath: modelPath, threads: 2, log: second.append,
                                                           store: store, sweep: .quick)
        #expect(loaded == measured)
        #expect(second.lines.isEmpty, "\(second.lines)")
        let key = try LatencyProfileKey.current(modelPath: modelPath, threads: 2)
        #expect(store.load(key)?.model == measured)
        #expect(key.cpuModel == LatencyProfileKey.currentCPUModel() && !key.cpuModel.isEmpty)
    }

    static func record(key: LatencyProfileKey) -> LatencyModelRecord {
        LatencyModelRecord(key: key, modelPath: "/models/test.gguf",
                           model: LatencyModel(perStep: 0.004, perToken: 0.0025, perAttentionPosition: 2e-7,
                                               perContextPosition: 0, perSequence: 4e-4),
                           objective: .absolutePercentage, heldOutMeanAbsolutePercentageError: 0.031, heldOutMaxAbsolutePercentageError: 0.12,
                           fitMeanAbsolutePercentageError: 0.028, fitSampleCount: 120, heldOutSampleCount: 40, profileSeconds: 55.5,
                           medianRunSpread: 0.04)
    }
}

@Test func shortStepsGetMoreRuns() {
    let sweep = LatencyProfiler.Sweep.standard // 3 to 9 runs, about 0.15 s per shape
    #expect(sweep.runs(after: 2.0) == 3)
    #expect(sweep.runs(after: 0.05) == 3)
    #expect(sweep.runs(after: 0.03) == 5)
    #expect(sweep.runs(after: 0.005) == 9)
    #expect(sweep.runs(after: 0) == 3)
    #expect(sweep.runs(after: .nan) == 3)
    #expect(LatencyProfiler.Sweep.quick.runs(after: 0.001) == 1)
}
