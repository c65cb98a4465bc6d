import ArgumentParser
import Foundation
import LlamaModel

/// `conserve bench model`: llama-bench's pp512 and tg128, llama-batched-bench's figures at
/// several sequence counts, the load time and the resident memory, on the forward pass alone
/// (no sampling, no server).
///
/// Batched decode follows llama-batched-bench's definitions for B sequences of PP prompt and
/// TG generated tokens each: S_PP = B·PP / prefill time, S_TG = B·TG / generation time (the
/// generation-only figure), and S = B·(PP+TG) / (prefill + generation time) (the total).
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

    @Option(name: .customLong("batch-sizes"), parsing: .upToNextOption, help: "Sequence counts for batched decode (128 prompt + 128 generated tokens each, as llama-batched-bench -npp 128 -ntg 128).")
    var batchSizes: [Int] = [1, 8, 32]

    /// llama-batched-bench's -npp and -ntg.
    static let batchedPrompt = 128, batchedGenerated = 128

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
        let path = try modelOptions.resolvedPath()
        let maxBatch = batchSizes.max() ?? 1
        // Load time: from the file to a forward pass ready to run (mapping, checks, calibration).
        let loadStart = DispatchTime.now()
        let model = try LoadedModel(path: path)
        let forward = try model.makeForwardPass(maxTokens: 512, maxLogitRows: max(maxBatch, 1), threads: modelOptions.threads)
        let loadSeconds = Double(DispatchTime.now().uptimeNanoseconds - loadStart.uptimeNanoseconds) / 1e9
        Console.status(String(format: "load: %.2f s", loadSeconds))
        let config = model.config
        // The KV pool holds what the largest test needs, as llama.cpp's contexts do: one sequence
        // of the single-stream tests, or the batched tests' sequences of 128 + 128 positions.
        let singleBlocks = (max(promptTokens, generateTokens, Self.batchedPrompt + Self.batchedGenerated) + 15) / 16
        let batchedBlocks = (Self.batchedPrompt + Self.batchedGenerated + 15) / 16
        let kv = KVPool(config: config, blockCount: max(singleBlocks, batchedBlocks * maxBatch))
        var rng = RandomGenerator(seed: 42)
        func randomTokens(_ n: Int) -> [Int32] { (0 ..< n).map { _ in Int32(rng.next() % UInt64(config.vocabularySize)) } }
        func table(_ sequence: Int, of sequences: Int) -> Range<Int32> {
            let stride = sequences == 1 ? singleBlocks : batchedBlocks
            return Int32(sequence * stride) ..< Int32((sequence + 1) * stride)
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
                              blockTable: table(pending[i].sequence, of: sequences), logits: last ? .last : .none)
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
                    batch.add(tokens: CollectionOfOne(next[s]), startPosition: context + step, blockTable: table(s, of: sequences), logits: .last)
                }
                try forward.run(batch, kv: kv)
                for s in 0 ..< sequences {
                    next[s] = Sampler.argmax(UnsafeBufferPointer(forward.logits(row: s)))
                }
            }
        }

        func seconds(_ body: () throws -> Void) throws -> Double {
            let start = DispatchTime.now()
            try body()
            return Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
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
            let (pp, tg) = (Self.batchedPrompt, Self.batchedGenerated)
            var prefillTimes: [Double] = [], decodeTimes: [Double] = []
            for round in 0 ... repetitions {
                let prefillSeconds = try seconds { try prefill(sequences: b, tokens: pp) }
                let decodeSeconds = try seconds { try decode(sequences: b, context: pp, steps: tg) }
                if round > 0 { prefillTimes.append(prefillSeconds); decodeTimes.append(decodeSeconds) } // round 0 warms up
            }
            let total = zip(prefillTimes, decodeTimes).map { $0 + $1 }
            results.append(Result(b: b, "S_PP (prompt)", tokens: b * pp, times: prefillTimes))
            results.append(Result(b: b, "S_TG (generation only)", tokens: b * tg, times: decodeTimes))
            results.append(Result(b: b, "S (total)", tokens: b * (pp + tg), times: total))
            for r in results.suffix(3) { Console.status(String(format: "%@: %.1f ± %.1f tok/s", r.test, r.tokensPerSecond, r.standardDeviation)) }
        }
        let memory = ResidentMemory.current()

        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let report = Report(model: path, threads: modelOptions.threads, kernels: "\(MatmulKernels.level)", loadSeconds: loadSeconds,
                                residentBytes: memory.resident, peakResidentBytes: memory.peak, results: results)
            Console.write(String(decoding: try encoder.encode(report), as: UTF8.self) + "\n")
        } else {
            print("model: \(path)  threads: \(modelOptions.threads)  kernels: \(MatmulKernels.level)")
            print(String(format: "load: %.2f s   resident memory: %.0f MiB (peak %.0f MiB)", loadSeconds,
                         Double(memory.resident) / 1_048_576, Double(memory.peak) / 1_048_576))
            print("| test                                     |          tok/s |")
            print("| ---------------------------------------- | -------------: |")
            for r in results {
                print("| \(r.test.padding(toLength: 40, withPad: " ", startingAt: 0)) | \(String(format: "%8.1f ± %4.1f", r.tokensPerSecond, r.standardDeviation)) |")
            }
        }
    }

    struct Report: Codable {
        var model: String
        var threads: Int
        var kernels: String
        var loadSeconds: Double
        var residentBytes: Int
        var peakResidentBytes: Int
        var results: [Result]
    }
}

import Kernels

extension BenchModelCommand.Result {
    /// One llama-batched-bench figure for `b` sequences: `tokens` over each of `times`.
    init(b: Int, _ figure: String, tokens: Int, times: [Double]) {
        let rates = times.map { Double(tokens) / $0 }
        let mean = rates.reduce(0, +) / Double(rates.count)
        let variance = rates.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(max(rates.count - 1, 1))
        self.init(test: "batched \(b) seq pp128+tg128: \(figure)", tokensPerSecond: mean, standardDeviation: variance.squareRoot(),
                  seconds: times.reduce(0, +) / Double(times.count))
    }
}
