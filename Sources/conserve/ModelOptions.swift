import ArgumentParser
import Foundation
import LlamaModel
import ModelFiles

/// `--model` and `--threads`, shared by every command that runs the model.
struct ModelOptions: ParsableArguments {
    @Option(name: .long, help: "A GGUF file's path, or a model name from `conserve pull --list` (pulled on first use); default: the default model.")
    var model: String?

    @Option(name: .long, help: "Worker threads for the forward pass (default: the number of cores).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        guard threads >= 1, threads <= 1024 else { throw ValidationError("--threads must be between 1 and 1024") }
    }

    /// The model's path: the file given, or the named (or default) model, pulled on first use.
    func resolvedPath() throws -> String {
        try ModelStore.resolvePullingVisibly(model)
    }

    /// The name a server answers to by default: a catalog name as the user typed it (`--model
    /// qwen2.5-coder-0.5b` is then asked for as "qwen2.5-coder-0.5b", as Ollama and vLLM do),
    /// else the file's name without `.gguf`.
    func servedName(forPath path: String) -> String {
        if let model, path != model, ModelCatalog.model(named: model) != nil { return model }
        return URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
    }

    func load() throws -> LoadedModel {
        try LoadedModel(path: try resolvedPath())
    }
}

extension ModelStore {
    /// `resolve`, with the pull's log and progress bar on standard error.
    static func resolvePullingVisibly(_ nameOrPath: String?) throws -> String {
        let bar = PullProgressBar(title: nameOrPath ?? ModelCatalog.defaultModel.name)
        defer { bar.finish() }
        return try resolve(nameOrPath, log: Console.status, progress: bar.show)
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
