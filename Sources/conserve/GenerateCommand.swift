import APIServer
import ArgumentParser
import Foundation
import LlamaModel
import OpenAIAPI
import Tokenization

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate text from a prompt, streaming it to standard output; speeds go to standard error."
    )

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "The prompt text.")
    var prompt: String

    @Flag(help: "Wrap the prompt as a user message in the model's own chat template.")
    var chat = false

    @Option(help: "A system message (with --chat).")
    var system: String?

    @Option(name: .customLong("max-tokens"), help: "Most tokens to generate.")
    var maxTokens = 128

    @Option(help: "Sampling temperature; 0 is greedy.")
    var temperature: Float = 0.8

    @Option(name: .customLong("top-k"), help: "Keep only the k most likely tokens (0: off).")
    var topK = 40

    @Option(name: .customLong("top-p"), help: "Keep the smallest set of tokens whose probability reaches p (1: off).")
    var topP: Float = 0.95

    @Option(name: .customLong("min-p"), help: "Drop tokens below min-p times the best token's probability (0: off).")
    var minP: Float = 0.05

    @Option(name: .customLong("repeat-penalty"), help: "Repetition penalty over the last 64 tokens (1: off).")
    var repeatPenalty: Float = 1.0

    @Option(name: .customLong("frequency-penalty"), help: "OpenAI-style frequency penalty.")
    var frequencyPenalty: Float = 0

    @Option(name: .customLong("presence-penalty"), help: "OpenAI-style presence penalty.")
    var presencePenalty: Float = 0

    @Option(help: "Random seed; the same seed repeats the same output.")
    var seed: UInt64?

    @Flag(name: .customLong("ignore-eos"), help: "Keep generating past the end-of-generation token.")
    var ignoreEOS = false

    @Flag(help: "Print one JSON object (prompt ids, generated ids, text, timings) instead of streaming.")
    var json = false

    var sampling: SamplingParameters {
        SamplingParameters(temperature: temperature, topK: topK, topP: topP, minP: minP, repetitionPenalty: repeatPenalty,
                           frequencyPenalty: frequencyPenalty, presencePenalty: presencePenalty, seed: seed)
    }

    func validate() throws {
        guard maxTokens >= 0 else { throw ValidationError("--max-tokens must be 0 or more") }
        if let problem = sampling.validationError() { throw ValidationError(problem) }
    }

    func run() throws {
        let model = try modelOptions.load()
        let tokenizer = try Tokenizer(gguf: model.file)
        let promptIDs = try promptTokens(model: model, tokenizer: tokenizer)
        guard !promptIDs.isEmpty else { throw GenerationError.emptyPrompt }
        let generator = try TextGenerator(model: model, threads: modelOptions.threads,
                                          contextLength: promptIDs.count + max(maxTokens, 1))
        var sampler = Sampler(parameters: sampling, vocabularySize: model.config.vocabularySize)
        var detokenizer = IncrementalDetokenizer(tokenizer: tokenizer)
        var history = promptIDs
        history.reserveCapacity(promptIDs.count + maxTokens)
        var generated: [Int32] = []
        var text = ""
        var finishReason = "length"

        let start = DispatchTime.now()
        var next: Int32 = 0
        try generator.prefill(promptIDs) { _, logits in
            next = history.withUnsafeBufferPointer { sampler.sample(logits: logits, history: $0) }
        }
        let prefillEnd = DispatchTime.now()
        while generated.count < maxTokens {
            if !ignoreEOS, tokenizer.isEndOfGeneration(next) { finishReason = "stop"; break }
            generated.append(next)
            history.append(next)
            let piece = detokenizer.append(next)
            text += piece
            if !json { Console.write(piece) }
            if generated.count == maxTokens { break }
            let logits = try generator.decode(next, position: history.count - 1)
            next = history.withUnsafeBufferPointer { sampler.sample(logits: logits, history: $0) }
        }
        let tail = detokenizer.flush()
        text += tail
        let end = DispatchTime.now()

        let prefillSeconds = Double(prefillEnd.uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        let decodeSeconds = Double(end.uptimeNanoseconds - prefillEnd.uptimeNanoseconds) / 1e9
        // The first generated token comes from the prefill; the rest each took one decode step.
        let decodeSteps = max(generated.count - 1, 0)
        let prefillRate = Double(promptIDs.count) / max(prefillSeconds, 1e-9)
        let decodeRate = decodeSteps > 0 ? Double(decodeSteps) / max(decodeSeconds, 1e-9) : 0
        if json {
            let object: [String: Any] = [
                "prompt_ids": promptIDs.map(Int.init), "generated_ids": generated.map(Int.init), "text": text,
                "finish_reason": finishReason,
                "timings": ["prompt_tokens": promptIDs.count, "prefill_seconds": prefillSeconds, "prefill_tokens_per_second": prefillRate,
                            "generated_tokens": generated.count, "decode_seconds": decodeSeconds, "decode_tokens_per_second": decodeRate],
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            Console.write(String(decoding: data, as: UTF8.self) + "\n")
        } else {
            Console.write(tail + "\n")
            Console.status(String(format: "prefill: %d tokens in %.3f s (%.1f tok/s); decode: %d tokens in %.3f s (%.1f tok/s); finish: %@",
                                  promptIDs.count, prefillSeconds, prefillRate, decodeSteps, decodeSeconds, decodeRate, finishReason))
        }
    }
}

extension GenerateCommand {
    /// The prompt as ids: plain text, or a user message (and optional system message) through
    /// the model's chat template, encoded as the server encodes them.
    func promptTokens(model: LoadedModel, tokenizer: Tokenizer) throws -> [Int32] {
        let encoder = try PromptEncoder(model: model, tokenizer: tokenizer)
        do {
            guard chat else { return try encoder.completionPrompt(.text(prompt)) }
            var messages: [ChatCompletionRequest.Message] = []
            if let system { messages.append(.init(role: .system, system)) }
            messages.append(.init(role: .user, prompt))
            return try encoder.chatPrompt(messages)
        } catch {
            throw ValidationError(chat && !encoder.hasChatTemplate ? "this model has no tokenizer.chat_template; run without --chat"
                                                                   : error.message)
        }
    }
}
