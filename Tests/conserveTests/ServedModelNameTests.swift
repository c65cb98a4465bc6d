@testable import conserve
import Testing

/// The name `conserve serve` answers to when `--served-model-name` is not given.
@Suite struct ServedModelNameTests {
    let installed = "/root/.cache/conserve/models/Qwen2.5-Coder-0.5B-Instruct.Q4_K_M.gguf"

    @Test func aCatalogNameIsServedAsTyped() throws {
        let options = try ModelOptions.parse(["--model", "qwen2.5-coder-0.5b"])
        #expect(options.servedName(forPath: installed) == "qwen2.5-coder-0.5b")
    }

    @Test func aFileIsServedByItsNameWithoutGGUF() throws {
        let options = try ModelOptions.parse(["--model", installed])
        #expect(options.servedName(forPath: installed) == "Qwen2.5-Coder-0.5B-Instruct.Q4_K_M")
        #expect(try ModelOptions.parse([]).servedName(forPath: installed) == "Qwen2.5-Coder-0.5B-Instruct.Q4_K_M")
    }
}
