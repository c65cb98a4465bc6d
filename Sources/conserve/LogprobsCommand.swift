import ArgumentParser
import Foundation
import LlamaModel

struct LogprobsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logprobs",
        abstract: "Score a token sequence: read a JSON array of token ids on standard input and print, for every prefix (the first after the first token), the top-K next-token log-probabilities as [[id, logprob], ...]."
    )

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "How many of the most likely next tokens to print per prefix.")
    var top = 10

    func validate() throws {
        guard top >= 1 else { throw ValidationError("--top must be at least 1") }
    }

    func run() throws {
        let input = FileHandle.standardInput.readDataToEndOfFile()
        guard let ids = try? JSONDecoder().decode([Int32].self, from: input) else {
            throw ValidationError("standard input must be a JSON array of token ids, like [504, 3575, 282]")
        }
        guard !ids.isEmpty else { throw ValidationError("the token array is empty") }
        let model = try modelOptions.load()
        let vocabulary = model.config.vocabularySize
        if let bad = ids.first(where: { $0 < 0 || Int($0) >= vocabulary }) {
            throw ValidationError("token id \(bad) is outside the vocabulary (0..<\(vocabulary))")
        }
        let generator = try TextGenerator(model: model, threads: modelOptions.threads, contextLength: ids.count, maxTokens: 64, maxLogitRows: 64)
        let k = min(top, vocabulary)
        var entries: [String] = []
        entries.reserveCapacity(ids.count)
        try generator.prefill(ids, allLogits: true) { _, logits in
            let best = Sampler.topLogprobs(UnsafeBufferPointer(logits), k: k)
            entries.append("[" + best.map { "[\($0.id), \(Self.format($0.logprob))]" }.joined(separator: ", ") + "]")
        }
        Console.write("[\n" + entries.map { "  " + $0 }.joined(separator: ",\n") + "\n]\n")
    }

    static func format(_ x: Float) -> String { String(format: "%.5f", Double(x)) }
}
