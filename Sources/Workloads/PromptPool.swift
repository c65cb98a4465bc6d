import Foundation
import Tokenization

/// Real prompt text cut to exact token counts: ShareGPT first turns, tokenized in file order
/// into one stream, and consecutive slices of it handed out, so no two requests share a
/// prefix (the trace's prompts are distinct too).
///
/// A slice of tokens decoded to text does not always encode back to the same count (a cut
/// can split a word or a UTF-8 sequence), so each slice is widened or narrowed until the
/// text's own encoding has the asked-for count.
public final class PromptPool {
    private let texts: [String]
    private let tokenizer: Tokenizer
    private var stream: [Int32] = []
    private var nextText: Int
    private var cursor = 0
    private let separator: [Int32]

    public init(texts: [String], tokenizer: Tokenizer, seed: UInt64) throws {
        guard !texts.isEmpty else { throw WorkloadDataError("no prompt texts") }
        self.texts = texts
        self.tokenizer = tokenizer
        var generator = SeededGenerator(seed: seed)
        nextText = Int(generator.next() % UInt64(texts.count))
        separator = tokenizer.encode("\n\n")
    }

    /// ShareGPT first turns (`online/sharegpt_first_turns.jsonl`).
    public convenience init(shareGPT path: String, tokenizer: Tokenizer, seed: UInt64) throws {
        struct Line: Decodable { var prompt: String }
        let decoder = JSONDecoder()
        let texts = try String(contentsOfFile: path, encoding: .utf8).split(whereSeparator: \.isNewline)
            .compactMap { try? decoder.decode(Line.self, from: Data($0.utf8)).prompt }
        try self.init(texts: texts, tokenizer: tokenizer, seed: seed)
    }

    /// How a server tokenizes a completion prompt: special tokens added, none parsed from text.
    public func count(_ text: String) -> Int { tokenizer.encode(text, addSpecial: true, parseSpecial: false).count }

    /// Text whose encoding has `tokens` tokens (or the closest count reachable, when no
    /// slice length hits it exactly).
    public func prompt(tokens: Int) -> (text: String, tokens: Int) {
        let target = max(tokens, 1)
        var best: (text: String, tokens: Int, end: Int)?
        // Some starts cannot reach the count (one more token of slice adds two of text);
        // the next start usually can.
        for shift in 0 ..< 16 {
            let start = cursor + shift
            fill(start + target + 64)
            var length = target
            for _ in 0 ..< 6 {
                let text = tokenizer.decode(Array(stream[start ..< start + length]))
                let count = count(text)
                if best == nil || abs(count - target) < abs(best!.tokens - target) { best = (text, count, start + length) }
                if count == target { break }
                length = max(1, min(length + target - count, target + 64))
            }
            if best!.tokens == target { break }
        }
        cursor = best!.end
        return (best!.text, best!.tokens)
    }

    private func fill(_ needed: Int) {
        while stream.count < needed {
            stream += tokenizer.encode(texts[nextText]) + separator
            nextText = (nextText + 1) % texts.count
        }
    }
}
