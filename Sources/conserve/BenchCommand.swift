import ArgumentParser

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks.",
        subcommands: [BenchModelCommand.self, BenchGrammarCommand.self, BenchEngineCommand.self, BenchHTTPCommand.self, BenchServeCommand.self, BenchReportCommand.self]
    )
}
