import ArgumentParser
import RosterApp
import RosterCore

struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin", abstract: "Administrators.",
        subcommands: [Create.self, List.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an administrator.")
        @OptionGroup var global: GlobalOptions
        @Option var email: String
        @Option var role = "admin"
        @Option(help: "Environment variable holding the password.") var passwordEnv: String

        func run() async throws {
            let password = try secret(fromEnvironment: passwordEnv, flag: "--password-env")
            let role = try Role.parse(role)
            try await global.withRoster { roster in
                let admin = try await roster.administrators.create(
                    email: email, role: role, password: password, by: .system)
                print("created administrator \(admin.email) (\(admin.role.rawValue)), id \(admin.id.text)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List administrators.")
        @OptionGroup var global: GlobalOptions
        func run() async throws {
            try await global.withRoster { roster in
                for admin in try await roster.administrators.list(by: .system) {
                    printRow(admin.email, admin.role.rawValue)
                }
            }
        }
    }
}
