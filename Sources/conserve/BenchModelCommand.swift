import ArgumentParser
import Foundation
import LlamaModel

/// `conserve bench model`: llama-bench's pp512 and tg128, and llama-batched-bench's decode
/// throughput at several sequence counts, on the forward pass alone (no sampling, no server).
struct BenchModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Prefill (pp512), decode (tg128) and batched decode throughput of the forward pass."
    )

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "Runs of each test; the mean is reported.")
    var repetitions = 3

    @Option(name: .customLong("prompt-tokens"), help: "Prefill test length.")
    var promptTokens = 512

    @Option(name: .customLong("generate-tokens"), help: "Decode test length.")
    var generateTokens = 128

    @Option(name: .customLong("batch-sizes"), parsing: .upToNextOption, help: "Sequence counts for batched decode (128 prompt + 128 generated tokens each).")
    var batchSizes: [Int] = [1, 8, 32]

    @Flag(help: "Print the results as JSON.")
    var json = false

    struct Result: Codable {
        var test: String
        var tokensPerSecond: Double
        var standardDeviation: Double
        var seconds: Double
    }

    func validate() throws {
        guard repetitions >= 1, promptTokens >= 1, generateTokens >= 1, batchSizes.allSatisfy({ $0 >= 1 && $0 <= 256 }) else {
            throw ValidationError("repetitions, token counts and batch sizes must be positive (batch sizes at most 256)")
        }
    }

    func run() throws {
        let model = try modelOptions.load()
        let config = model.config
        let maxBatch = batchSizes.max() ?? 1
        let forward = try model.makeForwardPass(maxTokens: 512, maxLogitRows: max(maxBatch, 1), threads: modelOptions.threads)
        let blocksPerSequence = (max(promptTokens, generateTokens, 256) + 15) / 16
        let kv = KVPool(config: config, blockCount: blocksPerSequence * maxBatch)
        var rng = RandomGenerator(seed: 42)
        func randomTokens(_ n: Int) -> [Int32] { (0 ..< n).map { _ in Int32(rng.next() % UInt64(config.vocabularySize)) } }
        func table(_ sequence: Int) -> Range<Int32> {
            Int32(sequence * blocksPerSequence) ..< Int32((sequence + 1) * blocksPerSequence)
        }
        var batch = ForwardBatch()

        /// Prefills `sequences` sequences of `tokens` each, packing up to 512 tokens per step.
        func prefill(sequences: Int, tokens: Int) throws {
            var pending = (0 ..< sequences).map { (sequence: $0, tokens: randomTokens(tokens), done: 0) }
            while pending.contains(where: { $0.done < $0.tokens.count }) {
                batch.removeAll()
                var room = forward.maxTokens
                for i in pending.indices where pending[i].done < pending[i].tokens.count && room > 0 {
                    let n = min(room, pending[i].tokens.count - pending[i].done)
                    let last = pending[i].done + n == pending[i].tokens.count
                    batch.add(tokens: pending[i].tokens[pending[i].done ..< pending[i].done + n], startPosition: pending[i].done,
                              blockTable: table(pending[i].sequence), logits: last ? .last : .none)
                    pending[i].done += n
                    room -= n
                }
                try forward.run(batch, kv: kv)
            }
        }

        /// Decodes `steps` tokens for each of `sequences` sequences that already hold `context` positions.
        func decode(sequences: Int, context: Int, steps: Int) throws {
            var next = randomTokens(sequences)
            for step in 0 ..< steps {
                batch.removeAll()
                for s in 0 ..< sequences {
                    batch.add(tokens: CollectionOfOne(next[s]), startPosition: context + step, blockTable: table(s), logits: .last)
                }
                try forward.run(batch, kv: kv)
                for s in 0 ..< sequences {
                    next[s] = Sampler.argmax(UnsafeBufferPointer(forward.logits(row: s)))
                }
            }
        }

        func measure(_ name: String, tokens: Int, _ body: () throws -> Void) throws -> Result {
            try body() // warm-up, as llama-bench does
            var rates: [Double] = []
            var total = 0.0
            for _ in 0 ..< repetitions {
                let start = DispatchTime.now()
                try body()
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
                rates.append(Double(tokens) / seconds)
                total += seconds
            }
            let mean = rates.reduce(0, +) / Double(rates.count)
            let variance = rates.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(max(rates.count - 1, 1))
            let result = Result(test: name, tokensPerSecond: mean, standardDeviation: variance.squareRoot(), seconds: total / Double(repetitions))
            Console.status(String(format: "%@: %.1f ± %.1f tok/s", name, mean, result.standardDeviation))
            return result
        }

        var results: [Result] = []
        results.append(try measure("pp\(promptTokens)", tokens: promptTokens) { try prefill(sequences: 1, tokens: promptTokens) })
        results.append(try measure("tg\(generateTokens)", tokens: generateTokens) { try decode(sequences: 1, context: 0, steps: generateTokens) })
        for b in batchSizes {
            try prefill(sequences: b, tokens: 128)
            results.append(try measure("batched decode, \(b) seq (128+128)", tokens: b * 128) {
                try decode(sequences: b, context: 128, steps: 128)
            })
        }

        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let report = Report(model: try modelOptions.resolvedPath(), threads: modelOptions.threads, kernels: "\(MatmulKernels.level)", results: results)
            Console.write(String(decoding: try encoder.encode(report), as: UTF8.self) + "\n")
        } else {
            print("model: \(try modelOptions.resolvedPath())  threads: \(modelOptions.threads)  kernels: \(MatmulKernels.level)")
            print("| test                               |          tok/s |")
            print("| ---------------------------------- | -------------: |")
            for r in results {
                print("| \(r.test.padding(toLength: 34, withPad: " ", startingAt: 0)) | \(String(format: "%8.1f ± %4.1f", r.tokensPerSecond, r.standardDeviation)) |")
            }
        }
    }

    struct Report: Codable {
        var model: String
        var threads: Int
        var kernels: String
        var results: [Result]
    }
}

import Kernels
