import ArgumentParser
import RosterApp
import RosterCore

struct APIKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apikey", abstract: "API keys for the REST API.",
        subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an API key and print it once.")
        @OptionGroup var global: GlobalOptions
        @Option var name: String
        @Option var role = "admin"
        @Option(name: .customLong("as"), help: "Administrator the key acts for (imports email them).") var owner:
            String?

        func run() async throws {
            let role = try Role.parse(role)
            try await global.withRoster { roster in
                let (_, secret) = try await roster.administrators.createAPIKey(
                    name: name, role: role, owner: owner, by: .system)
                print(secret)
            }
        }
    }
}
