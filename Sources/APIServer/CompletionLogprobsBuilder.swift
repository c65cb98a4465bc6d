import Engine
import OpenAIAPI
import Tokenization

/// The legacy `logprobs` object of `/v1/completions`, built event by event: with `echo`, the
/// prompt's entries first (the first token's null, as OpenAI sends it, since nothing predicts
/// it), then one entry per generated token.
///
/// `text_offset` counts UTF-8 bytes from the start of the choice's text (the echoed prompt,
/// then the generated tokens' bytes), and keeps counting across a stream's chunks, as
/// OpenAI's offsets index the whole text rather than each chunk.
struct CompletionLogprobsBuilder {
    let tokenizer: Tokenizer
    /// The echoed prompt and where each of its tokens starts in the echoed text; empty without echo.
    private let echoedPrompt: [Int32]
    private let echoedOffsets: [Int]
    /// Echoed prompt tokens whose entries were added so far.
    private var numPromptEntries = 0
    /// Where the next generated token starts in the choice's text.
    private var nextOffset: Int

    private var tokens: [String] = []
    private var values: [Double?] = []
    private var tops: [[String: Double]?] = []
    private var offsets: [Int] = []

    /// `echoedText` is the text the choice starts with: `tokenizer.decode(echoedPrompt, skipSpecial: true)`.
    init(tokenizer: Tokenizer, echoedPrompt: [Int32], echoedText: String) {
        self.tokenizer = tokenizer
        self.echoedPrompt = echoedPrompt
        echoedOffsets = echoedPrompt.isEmpty ? [] : tokenizer.decodedOffsets(echoedPrompt, skipSpecial: true)
        nextOffset = echoedText.utf8.count
    }

    /// Whether entries were added since the last `take()`.
    var isEmpty: Bool { tokens.isEmpty }

    /// Adds the entries `event` carries: its prompt log-probabilities when the prompt is
    /// echoed, then its generated token's.
    mutating func add(_ event: TokenEvent) {
        if !echoedPrompt.isEmpty {
            for entry in event.promptLogprobs where numPromptEntries < echoedPrompt.count {
                append(entry.token, entry.logprob, top: entry.logprob == nil ? nil : entry.top,
                       offset: echoedOffsets[numPromptEntries])
                numPromptEntries += 1
            }
        }
        if let logprob = event.logprob {
            append(logprob.token, logprob.logprob, top: logprob.top, offset: nextOffset)
            nextOffset += tokenizer.pieceBytes(logprob.token).count
        }
    }

    /// The entries added since the last call, as the wire object.
    mutating func take() -> Completion.Logprobs {
        defer {
            tokens = []
            values = []
            tops = []
            offsets = []
        }
        return Completion.Logprobs(tokens: tokens, tokenLogprobs: values, topLogprobs: tops, textOffset: offsets)
    }

    private mutating func append(_ token: Int32, _ logprob: Float?, top: [(token: Int32, logprob: Float)]?, offset: Int) {
        tokens.append(LogprobText.text(token, tokenizer).0)
        values.append(logprob.map(Double.init))
        tops.append(top.map { entries in
            var alternatives: [String: Double] = [:]
            for entry in entries { alternatives[LogprobText.text(entry.token, tokenizer).0] = Double(entry.logprob) }
            return alternatives
        })
        offsets.append(offset)
    }
}
