import ArgumentParser
import RosterApp
import RosterCore

struct UsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users", abstract: "Directory users.", subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every user.")
        @OptionGroup var global: GlobalOptions
        @Flag var json = false

        func run() async throws {
            try await global.withRoster { roster in
                if json {
                    var users: [UserJSON] = []
                    try await roster.directory.allUsers(by: .system) { users += $0.map(UserJSON.init) }
                    try printJSON(users)
                } else {
                    try await roster.directory.allUsers(by: .system) { page in
                        for u in page {
                            printRow(u.email, u.username, u.label, u.state.rawValue, u.passwordStatus.rawValue)
                        }
                    }
                }
            }
        }
    }
}
