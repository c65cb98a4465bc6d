import ArgumentParser

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks.",
        subcommands: [BenchModelCommand.self, BenchEngineCommand.self, BenchHTTPCommand.self, BenchServeCommand.self]
    )
}
