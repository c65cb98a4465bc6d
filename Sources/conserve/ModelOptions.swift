import ArgumentParser
import Foundation
import LlamaModel
import ModelFiles

/// `--model` and `--threads`, shared by every command that runs the model.
struct ModelOptions: ParsableArguments {
    @Option(name: .long, help: "Path to a GGUF model file (default: the default model, pulled on first use).")
    var model: String?

    @Option(name: .long, help: "Worker threads for the forward pass (default: the number of cores).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        guard threads >= 1, threads <= 1024 else { throw ValidationError("--threads must be between 1 and 1024") }
    }

    /// The model path, pulling the default model when none was given.
    func resolvedPath() throws -> String {
        try ModelStore.resolve(model, log: Console.status)
    }

    func load() throws -> LoadedModel {
        try LoadedModel(path: try resolvedPath())
    }
}

/// Where progress and reports go: standard error, so standard output stays the command's result.
enum Console {
    static func status(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}
