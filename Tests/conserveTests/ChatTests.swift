import APIServer
import Foundation
import LlamaModel
import ModelFiles
import OpenAIAPI
import Testing
import Tokenization
@testable import conserve

/// `conserve chat`: the conversation keeps its history, reuses the KV cache of earlier turns
/// without changing the answers, and the command works on piped input.
@Suite(.serialized, .timeLimit(.minutes(3))) struct ChatTests {
    static func answers(to questions: [String], model: LoadedModel, reuseCache: Bool) throws -> [String] {
        let tokenizer = try Tokenizer(gguf: model.file)
        let encoder = try PromptEncoder(model: model, tokenizer: tokenizer)
        var generator = try TextGenerator(model: model, threads: 2, contextLength: 512)
        var sampler = Sampler(parameters: .greedy, vocabularySize: model.config.vocabularySize)
        var conversation = Conversation(system: nil)
        var answers: [String] = []
        for question in questions {
            conversation.messages.append(.init(role: .user, question))
            if !reuseCache {
                // A fresh cache each turn: the whole conversation is prefilled again.
                generator = try TextGenerator(model: model, threads: 2, contextLength: 512)
                let messages = conversation.messages
                conversation = Conversation(system: nil)
                conversation.messages = messages
            }
            let answer = try conversation.answer(prompt: try encoder.chatPrompt(conversation.messages), generator: generator,
                                                 tokenizer: tokenizer, sampler: &sampler, maxTokens: 12) { _ in }
            conversation.messages.append(.init(role: .assistant, answer))
            answers.append(answer)
            #expect(!conversation.cachedIDs.isEmpty)
        }
        return answers
    }

    @Test func laterTurnsReuseTheCacheWithoutChangingTheAnswers() throws {
        let model = try LoadedModel(path: try ModelStore.ensureDefaultModel())
        let questions = ["Name the capital of France.", "And of Italy?", "Which of the two is bigger?"]
        let reused = try Self.answers(to: questions, model: model, reuseCache: true)
        let fresh = try Self.answers(to: questions, model: model, reuseCache: false)
        #expect(reused == fresh)
        #expect(reused[0].contains("Paris"))
    }

    /// The built `conserve` beside this test binary, with piped standard input.
    @Test func pipedInputIsAConversationUntilBye() throws {
        let folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [folder, folder.deletingLastPathComponent(), folder.deletingLastPathComponent().deletingLastPathComponent()]
            .map { $0.appendingPathComponent("conserve").path }
        let binary = try #require(candidates.first { FileManager.default.isExecutableFile(atPath: $0) },
                                  "no built conserve near \(folder.path); run swift build first")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["chat", "--temperature", "0", "--max-tokens", "12", "--threads", "2"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        input.fileHandleForWriting.write(Data("Name the capital of France.\n\n/bye\nthis line is never read\n".utf8))
        try input.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        // The answer streamed, /bye ended the session, and a pipe gets no prompt marks.
        #expect(text.contains("Paris"), "output: \(text.debugDescription)")
        #expect(!text.contains(">>>"))
    }
}
