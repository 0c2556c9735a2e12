import ArgumentParser

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Apply database migrations (serve does this at start too).")
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Revert the newest migration instead.") var revert = false

    func run() async throws {
        try await global.withRoster { roster in
            if revert { try await roster.revertLastMigration() }
            print(revert ? "reverted the newest migration" : "database is up to date")
        }
    }
}
