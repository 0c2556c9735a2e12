import ArgumentParser
import RosterApp
import RosterCore

struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker", abstract: "Run the background workers only, with no HTTP.")
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Run the jobs that are due, mail included, then exit (for cron and scripts).") var untilIdle = false

    func run() async throws {
        try await global.withRoster { roster in
            if untilIdle {
                try await roster.makeWorker(kinds: Set(JobKind.allCases)).runUntilIdle()
            } else {
                _ = MetricsSetup.prometheus()
                try await roster.runWorkers()
            }
        }
    }
}
