import APIServer
import ArgumentParser
import Foundation
import LlamaModel
import OpenAIAPI
import Tokenization

/// `conserve chat`, like `ollama run`: a conversation in the terminal. Each line read from
/// standard input is a user message; the whole conversation goes through the model's chat
/// template and the answer streams to standard output token by token. `/bye` or end of input
/// ends it, so it works with piped input too.
struct ChatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Chat with the model in the terminal; each line is a message, /bye or end of input ends it.",
        discussion: "Commands: /bye ends the session, /clear forgets the conversation so far."
    )

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "A system message that opens the conversation.")
    var system: String?

    @Option(name: .customLong("max-tokens"), help: "Most tokens per answer.")
    var maxTokens = 512

    @Option(help: "Positions the conversation may fill; a longer one ends with an error.")
    var context = 4096

    @Option(help: "Sampling temperature; 0 is greedy.")
    var temperature: Float = 0.8

    @Option(name: .customLong("top-p"), help: "Keep the smallest set of tokens whose probability reaches p (1: off).")
    var topP: Float = 0.95

    @Option(help: "Random seed; the same seed repeats the same answers.")
    var seed: UInt64?

    var sampling: SamplingParameters { SamplingParameters(temperature: temperature, topP: topP, seed: seed) }

    func validate() throws {
        guard maxTokens >= 1, context >= 16 else { throw ValidationError("--max-tokens must be at least 1 and --context at least 16") }
        if let problem = sampling.validationError() { throw ValidationError(problem) }
    }

    func run() throws {
        let model = try modelOptions.load()
        let tokenizer = try Tokenizer(gguf: model.file)
        let encoder = try PromptEncoder(model: model, tokenizer: tokenizer)
        guard encoder.hasChatTemplate else { throw ValidationError("this model has no tokenizer.chat_template; use `conserve generate`") }
        let generator = try TextGenerator(model: model, threads: modelOptions.threads, contextLength: context)
        var sampler = Sampler(parameters: sampling, vocabularySize: model.config.vocabularySize)
        let interactive = isatty(STDIN_FILENO) != 0
        var conversation = Conversation(system: system)

        while true {
            if interactive { Console.write(">>> ") }
            guard let line = readLine(strippingNewline: true) else { break }
            let message = line.trimmingCharacters(in: .whitespaces)
            if message.isEmpty { continue }
            if message == "/bye" { break }
            if message == "/clear" { conversation = Conversation(system: system); continue }
            conversation.messages.append(.init(role: .user, message))
            let prompt = try encoder.chatPrompt(conversation.messages)
            let answer = try conversation.answer(prompt: prompt, generator: generator, tokenizer: tokenizer, sampler: &sampler,
                                                 maxTokens: maxTokens) { Console.write($0) }
            Console.write("\n")
            conversation.messages.append(.init(role: .assistant, answer))
        }
    }
}

/// The messages so far and the token ids whose keys and values are in the KV cache, so a new
/// turn only prefills what is new: the rendered conversation almost always starts with the
/// ids of the turns before it.
struct Conversation {
    var messages: [ChatCompletionRequest.Message] = []
    private(set) var cachedIDs: [Int32] = []

    init(system: String?) {
        if let system { messages.append(.init(role: .system, system)) }
    }

    /// Generates the answer to `prompt` (the whole conversation's ids), streaming each piece of
    /// text to `onText`; returns the answer's text.
    mutating func answer(prompt: [Int32], generator: TextGenerator, tokenizer: Tokenizer, sampler: inout Sampler,
                         maxTokens: Int, onText: (String) -> Void) throws -> String {
        // Reuse the cached positions the new prompt agrees with; at least the last prompt
        // token is run again, for its logits.
        var reused = zip(cachedIDs, prompt).prefix { $0 == $1 }.count
        reused = min(reused, prompt.count - 1)
        var history = prompt
        var next: Int32 = 0
        try generator.prefill(Array(prompt[reused...]), startPosition: reused) { _, logits in
            next = history.withUnsafeBufferPointer { sampler.sample(logits: logits, history: $0) }
        }
        var cached = prompt.count
        var detokenizer = IncrementalDetokenizer(tokenizer: tokenizer)
        var text = ""
        for produced in 0 ..< maxTokens {
            if tokenizer.isEndOfGeneration(next) { break }
            history.append(next)
            let piece = detokenizer.append(next)
            text += piece
            onText(piece)
            if produced == maxTokens - 1 || history.count >= generator.contextLength { break }
            let logits = try generator.decode(next, position: history.count - 1)
            cached = history.count
            next = history.withUnsafeBufferPointer { sampler.sample(logits: logits, history: $0) }
        }
        cachedIDs = Array(history.prefix(cached))
        let tail = detokenizer.flush()
        onText(tail)
        return text + tail
    }
}
