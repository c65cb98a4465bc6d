import ArgumentParser
import Foundation
import Grammar
import LlamaModel
import OpenAIAPI
import Tokenization

/// `conserve bench grammar`: decode throughput with a JSON schema against without one, at
/// several sequence counts, on the forward pass and the sampler (no server), and the schema's
/// compile time, first use and cached.
///
/// Each sequence samples at temperature 1 from its own logits; with the schema, the sampler
/// applies the grammar's mask and the cursor follows every sampled token (a sequence whose JSON
/// is complete starts a new one). Without it, the same loop samples unmasked.
struct BenchGrammarCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grammar",
        abstract: "Decode throughput with a JSON schema against without, and schema compile time."
    )

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "Runs of each test; the mean is reported.")
    var repetitions = 3

    @Option(name: .customLong("generate-tokens"), help: "Decode steps per run.")
    var generateTokens = 128

    @Option(name: .customLong("batch-sizes"), parsing: .upToNextOption, help: "Sequence counts.")
    var batchSizes: [Int] = [1, 32]

    @Option(help: "The JSON schema (text); default: an object with a bounded string, an integer, an enum and an array.")
    var schema = #"{"type":"object","properties":{"name":{"type":"string","maxLength":24},"age":{"type":"integer"},"#
        + #""role":{"enum":["admin","user","guest"]},"tags":{"type":"array","items":{"type":"string","maxLength":12},"maxItems":4}},"#
        + #""required":["name","age","role","tags"],"additionalProperties":false}"#

    func run() throws {
        let model = try modelOptions.load()
        let tokenizer = try Tokenizer(gguf: model.file)
        let schemaValue = try JSONValue(parsing: schema)

        // Compile time: the vocabulary index, then the schema (grammar, first masks), then the same again from the registry.
        var clock = ContinuousClock.now
        let vocabulary = TokenVocabulary(tokenizer: tokenizer)
        let vocabularySeconds = (ContinuousClock.now - clock).seconds
        let registry = GrammarRegistry(vocabulary: vocabulary)
        clock = .now
        let grammar = try registry.grammar(for: schema) { () throws(SchemaError) in try JSONSchemaCompiler.compile(schema: schemaValue) }
        let compileSeconds = (ContinuousClock.now - clock).seconds
        clock = .now
        _ = GrammarCursor(grammar: grammar).allowedTokens()
        let firstMaskSeconds = (ContinuousClock.now - clock).seconds
        clock = .now
        let cached = try registry.grammar(for: schema) { () throws(SchemaError) in try JSONSchemaCompiler.compile(schema: schemaValue) }
        _ = GrammarCursor(grammar: cached).allowedTokens()
        let cachedSeconds = (ContinuousClock.now - clock).seconds
        print(String(format: "vocabulary index: %.1f ms (once per model)", vocabularySeconds * 1000))
        print(String(format: "schema compile, first use: %.2f ms + first mask %.1f ms; cached: %.3f ms",
                     compileSeconds * 1000, firstMaskSeconds * 1000, cachedSeconds * 1000))

        let config = model.config
        let maxBatch = batchSizes.max() ?? 1
        let forward = try model.makeForwardPass(maxTokens: 512, maxLogitRows: maxBatch, threads: modelOptions.threads)
        let blocksPerSequence = (16 + generateTokens * (repetitions + 1) + 15) / 16
        let kv = KVPool(config: config, blockCount: blocksPerSequence * maxBatch)
        var batch = ForwardBatch()

        /// Decodes `steps` tokens for each of `sequences` sequences; returns tokens per second.
        func decode(sequences: Int, constrained: Bool, steps: Int) throws -> Double {
            var samplers = (0 ..< sequences).map {
                Sampler(parameters: SamplingParameters(temperature: 1, seed: UInt64($0 + 1)), vocabularySize: config.vocabularySize)
            }
            var cursors = (0 ..< sequences).map { _ in GrammarCursor(grammar: grammar) }
            var next = [Int32](repeating: tokenizer.bosID ?? 1, count: sequences)
            let empty: [Int32] = []
            let start = ContinuousClock.now
            for step in 0 ..< steps {
                batch.removeAll()
                for s in 0 ..< sequences {
                    batch.add(tokens: CollectionOfOne(next[s]), startPosition: step, blockTable: Int32(s * blocksPerSequence) ..< Int32((s + 1) * blocksPerSequence), logits: .last)
                }
                try forward.run(batch, kv: kv)
                for s in 0 ..< sequences {
                    let logits = forward.logits(row: s)
                    if constrained {
                        let allowed = cursors[s].allowedTokens()
                        next[s] = empty.withUnsafeBufferPointer { history in
                            allowed.words.withUnsafeBufferPointer { samplers[s].sample(logits: logits, history: history, allowed: $0) }
                        }
                        if vocabulary.endTokens.contains(next[s]) { cursors[s] = GrammarCursor(grammar: grammar) } else { cursors[s].accept(next[s]) }
                    } else {
                        next[s] = empty.withUnsafeBufferPointer { samplers[s].sample(logits: logits, history: $0) }
                    }
                }
            }
            return Double(sequences * steps) / (ContinuousClock.now - start).seconds
        }

        print("model: \(try modelOptions.resolvedPath())  threads: \(modelOptions.threads)")
        print("| sequences | without schema tok/s | with schema tok/s | ratio |")
        print("| --------: | -------------------: | ----------------: | ----: |")
        for sequences in batchSizes {
            _ = try decode(sequences: sequences, constrained: true, steps: generateTokens) // warm-up: fills the mask cache
            var without: [Double] = []
            var with: [Double] = []
            for _ in 0 ..< repetitions {
                without.append(try decode(sequences: sequences, constrained: false, steps: generateTokens))
                with.append(try decode(sequences: sequences, constrained: true, steps: generateTokens))
            }
            let a = without.reduce(0, +) / Double(repetitions), b = with.reduce(0, +) / Double(repetitions)
            print(String(format: "| %9d | %20.1f | %17.1f | %5.2f |", sequences, a, b, b / a))
        }
        let counts = grammar.cacheCounts
        print("mask cache: \(counts.stateMisses) states computed, \(counts.stateHits) served from cache, \(counts.frameMisses) frame walks")
    }
}

extension Duration {
    fileprivate var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
