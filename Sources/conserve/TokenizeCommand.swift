import ArgumentParser
import GGUF
import ModelFiles
import Tokenization

struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Print the token ids of a text as a JSON array."
    )

    @Option(help: "A GGUF file's path or a model name (default: the default model).")
    var model: String?

    @Flag(help: "Parse special tokens written in the text (like <|im_start|>) as themselves.")
    var special = false

    @Flag(help: "Add the BOS/EOS tokens the model's metadata asks for.")
    var bos = false

    @Flag(help: "Print each token's text next to its id.")
    var pieces = false

    @Argument(help: "The text to tokenize.")
    var text: String

    func run() throws {
        let file = try GGUFFile(path: try ModelStore.resolvePullingVisibly(model))
        let tokenizer = try Tokenizer(gguf: file)
        let ids = tokenizer.encode(text, addSpecial: bos, parseSpecial: special)
        if pieces {
            for id in ids { print(id, tokenizer.decode([id]).debugDescription) }
        } else {
            print("[" + ids.map(String.init).joined(separator: ", ") + "]")
        }
    }
}
