import Foundation
import LlamaModel
import Testing

/// The outlier calibration saved per model file gives the same forward pass as calibrating.
@Suite struct CalibrationCacheTests {
    /// Logits of the last prompt token from a fresh forward pass built with `cache`.
    static func logits(_ model: LoadedModel, cache: CalibrationCache?, prompt: [Int32]) throws -> [Float] {
        let forward = try ForwardPass(config: model.config, weights: model.weights, maxTokens: 64, maxLogitRows: 1,
                                      threads: 2, calibrationCache: cache)
        let kv = KVPool(config: model.config, blockCount: 4)
        var batch = ForwardBatch()
        batch.add(tokens: prompt, startPosition: 0, blockTable: 0 ..< 4, logits: .last)
        try forward.run(batch, kv: kv)
        return Array(forward.logits(row: 0))
    }

    @Test func savedCalibrationReproducesTheForwardPass() throws {
        let model = try TestSupport.model.get()
        let prompt = try TestSupport.reference().generate[0].prompt_ids
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("conserve-calibration-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let cache = try #require(CalibrationCache(modelPath: model.file.path, directory: directory))

        let uncached = try Self.logits(model, cache: nil, prompt: prompt)
        let saving = try Self.logits(model, cache: cache, prompt: prompt)
        let entries = try FileManager.default.contentsOfDirectory(atPath: directory)
        #expect(entries.count == 1, "one entry written: \(entries)")
        let entry = directory + "/" + (entries.first ?? "")
        let text = try String(contentsOfFile: entry, encoding: .utf8)
        // A header, then one line per matmul job: 4 per layer and the output.
        #expect(text.split(separator: "\n").count == 1 + 4 * model.config.layerCount + 1)
        let loading = try Self.logits(model, cache: cache, prompt: prompt)
        #expect(saving == uncached)
        #expect(loading == uncached)

        // Other channels in the entry change the result, so the entry really is what was used...
        var lines = text.split(separator: "\n").map(String.init)
        lines[1] = (0 ..< 16).map(String.init).joined(separator: " ")
        try (lines.joined(separator: "\n") + "\n").write(toFile: entry, atomically: true, encoding: .utf8)
        #expect(try Self.logits(model, cache: cache, prompt: prompt) != uncached)
        // ...and a malformed entry is ignored: calibrated again, and rewritten.
        try "conserve-calibration 1\n1 2 x\n".write(toFile: entry, atomically: true, encoding: .utf8)
        #expect(try Self.logits(model, cache: cache, prompt: prompt) == uncached)
        #expect(try String(contentsOfFile: entry, encoding: .utf8) == text)
    }
}
