import ArgumentParser
import GGUF
import ModelFiles

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Print a GGUF file's metadata and tensor table."
    )

    @Argument(help: "The GGUF file or a model name (default: the default model).")
    var file: String?

    @Flag(help: "Print long arrays (vocabularies, merges) in full.")
    var full = false

    func run() throws {
        let path = try ModelStore.resolvePullingVisibly(file)
        let gguf = try GGUFFile(path: path)
        print("file: \(path)")
        print("GGUF version \(gguf.version), \(gguf.metadata.count) metadata keys, \(gguf.tensors.count) tensors, alignment \(gguf.alignment), data at byte \(gguf.dataOffset)")
        print("\nmetadata:")
        for key in gguf.metadataKeys {
            let value = gguf.metadata[key]!
            var text = value.description
            if full, case let .array(items) = value { text = "[" + items.map(\.description).joined(separator: ", ") + "]" }
            if !full, text.count > 300 { text = String(text.prefix(300)) + "… (\(text.count) characters)" }
            print("  \(key) = \(text)")
        }
        print("\ntensors:")
        let nameWidth = gguf.tensors.map(\.name.count).max() ?? 0
        for t in gguf.tensors {
            let shape = t.dims.map(String.init).joined(separator: " × ")
            print("  \(t.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0))  \(t.type.description.padding(toLength: 6, withPad: " ", startingAt: 0))  \(shape.padding(toLength: 16, withPad: " ", startingAt: 0))  \(t.byteCount) bytes at \(t.fileOffset)")
        }
        let total = gguf.tensors.reduce(0) { $0 + $1.byteCount }
        let parameters = gguf.tensors.reduce(0) { $0 + $1.elementCount }
        print("\n\(parameters) parameters in \(total) bytes of tensor data")
    }
}
