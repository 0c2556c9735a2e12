import ArgumentParser
import RosterApp

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Roster's settings.", subcommands: [Show.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Print the effective settings, where each came from, secrets masked (flag > environment > file > "
                + "default)."
        )
        @OptionGroup var global: GlobalOptions
        @Flag var json = false

        struct Entry: Encodable { let key, environment, value, source, help: String }

        func run() async throws {
            let entries = try global.configuration().describe().map {
                Entry(
                    key: $0.setting.key, environment: $0.setting.environment, value: $0.value, source: $0.source,
                    help: $0.setting.help)
            }
            if json { return try printJSON(entries) }
            for e in entries {
                print(
                    e.environment.padding(toLength: 32, withPad: " ", startingAt: 0) + " " + e.value
                        + "   (\(e.source))")
            }
        }
    }
}
