import ArgumentParser
import Foundation
import Simulation
import Workloads

/// Offline jobs given by lengths only, for `simulate` (the simulated model reads no text):
/// Vidur's arXiv-summarization length trace (`offline/arxiv_summarization_lengths_vidur.csv`,
/// prefill and decode tokens per document under the Llama-2 tokenizer).
enum OfflineLengthTrace {
    static let arxivFile = "/offline/arxiv_summarization_lengths_vidur.csv"

    /// The trace's jobs in a seeded order, those that fit `context`.
    static func arxiv(dataDirectory: String, seed: UInt64, context: Int) throws -> [SimulatedRequest] {
        let path = dataDirectory + arxivFile
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ValidationError("cannot read \(path): \(error.localizedDescription)")
        }
        var jobs: [SimulatedRequest] = []
        for (index, line) in text.split(whereSeparator: \.isNewline).enumerated().dropFirst() {
            let fields = line.split(separator: ",")
            guard fields.count >= 2, let prompt = Int(fields[0]), let output = Int(fields[1]) else {
                throw ValidationError("\(path):\(index + 1): expected num_prefill_tokens,num_decode_tokens")
            }
            if prompt > 0, output > 0, prompt + output <= context {
                jobs.append(SimulatedRequest(promptTokens: prompt, outputTokens: output))
            }
        }
        var generator = SeededGenerator(seed: seed &+ 0xA5)
        return jobs.shuffled(using: &generator)
    }

    /// `first` and `second` taken in turn, as `OfflineCorpus` interleaves its kinds.
    static func interleave(_ first: [SimulatedRequest], _ second: [SimulatedRequest]) -> [SimulatedRequest] {
        var jobs: [SimulatedRequest] = []
        for index in 0 ..< max(first.count, second.count) {
            if index < first.count { jobs.append(first[index]) }
            if index < second.count { jobs.append(second[index]) }
        }
        return jobs
    }
}
