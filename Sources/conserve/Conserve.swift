import ArgumentParser

@main
struct Conserve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conserve",
        abstract: "ConServe: an LLM serving engine that co-serves online requests and offline batch work.",
        subcommands: [
            GenerateCommand.self, LogprobsCommand.self, TokenizeCommand.self, InspectCommand.self,
            PullCommand.self, ChatCommand.self, BenchCommand.self, ProfileCommand.self, ServeCommand.self, SimulateCommand.self,
        ]
    )
}
