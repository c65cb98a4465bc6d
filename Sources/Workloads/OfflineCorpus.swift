import Foundation

/// The offline work of a run: real batch jobs over real documents.
///   - GSM8K questions answered with a chain of thought (an LLM-benchmarking job);
///   - ACLSum papers summarized (a document-summarization job, long prompts).
/// Jobs of the kinds asked for are interleaved in a seeded order.
public enum OfflineCorpus {
    public enum Kind: String, Sendable, CaseIterable {
        case gsm8k, aclsum
    }

    /// Generated tokens asked for per job: a worked answer, a few-sentence summary.
    public static func maxTokens(_ kind: Kind) -> Int {
        switch kind {
        case .gsm8k: 256
        case .aclsum: 128
        }
    }

    public static func jobs(dataDirectory: String, kinds: [Kind], seed: UInt64, count pool: PromptCounter) throws -> [WorkloadRequest] {
        var perKind: [[WorkloadRequest]] = []
        for kind in kinds {
            var generator = SeededGenerator(seed: seed &+ UInt64(perKind.count))
            let texts = try prompts(kind, dataDirectory: dataDirectory).shuffled(using: &generator)
            perKind.append(texts.map { text in
                WorkloadRequest(workClass: .offline, text: text, promptTokens: pool.count(text),
                                maxTokens: maxTokens(kind), ignoreEOS: false)
            })
        }
        var jobs: [WorkloadRequest] = []
        for index in 0 ..< (perKind.map(\.count).max() ?? 0) {
            for list in perKind where index < list.count { jobs.append(list[index]) }
        }
        return jobs
    }

    static func prompts(_ kind: Kind, dataDirectory: String) throws -> [String] {
        switch kind {
        case .gsm8k:
            struct Line: Decodable { var question: String }
            return try lines(dataDirectory + "/offline/gsm8k_test.jsonl", as: Line.self).map {
                "Question: \($0.question)\nAnswer: Let's think step by step."
            }
        case .aclsum:
            struct Line: Decodable { var title: String; var text: String }
            return try lines(dataDirectory + "/offline/aclsum_docs.jsonl", as: Line.self).map {
                "Summarize the following paper in three sentences: its challenge, its approach and its outcome.\n\n"
                    + "Title: \($0.title)\n\n\($0.text)\n\nSummary:"
            }
        }
    }

    static func lines<T: Decodable>(_ path: String, as type: T.Type) throws -> [T] {
        let decoder = JSONDecoder()
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw WorkloadDataError("cannot read \(path): \(error.localizedDescription)")
        }
        return try text.split(whereSeparator: \.isNewline).enumerated().map { index, line in
            do { return try decoder.decode(T.self, from: Data(line.utf8)) } catch {
                throw WorkloadDataError("\(path):\(index + 1): \(error)")
            }
        }
    }
}

/// Counts a prompt's tokens the way the server will (PromptPool does).
public protocol PromptCounter {
    func count(_ text: String) -> Int
}

extension PromptPool: PromptCounter {}
