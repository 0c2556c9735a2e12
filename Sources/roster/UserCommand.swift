import ArgumentParser
import Foundation
import RosterApp
import RosterCore

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "One directory user.",
        subcommands: [Show.self, Set.self, Suspend.self, Reactivate.self, SetPassword.self, SendActivation.self])

    struct SetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-password", abstract: "Set a user's password (password status turns set).")
        @OptionGroup var global: GlobalOptions
        @Argument var email: String
        @Option(help: "Environment variable holding the password.") var passwordEnv: String
        func run() async throws {
            let password = try secret(fromEnvironment: passwordEnv, flag: "--password-env")
            try await global.withRoster { roster in
                try await roster.accounts.setPassword(email: email, password: password, by: .system)
                print("password set for \(email)")
            }
        }
    }

    struct SendActivation: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "send-activation",
            abstract: "Email the user a single-use link to choose a password (a reset once one is set).")
        @OptionGroup var global: GlobalOptions
        @Argument var email: String
        func run() async throws {
            try await global.withRoster { roster in
                try await roster.accounts.sendLink(email: email, by: .system)
                print("sent \(email) a link to choose a password")
            }
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Change attributes, e.g. roster user set a@example.com jobTitle=Engineer department=R&D (empty value "
                + "clears)."
        )
        @OptionGroup var global: GlobalOptions
        @Argument var email: String
        @Argument(help: "ATTRIBUTE=VALUE pairs.") var assignments: [String]
        func run() async throws {
            var attributes: [String: String] = [:]
            for assignment in assignments {
                guard let equals = assignment.firstIndex(of: "=") else {
                    throw RosterError.invalid("\"\(assignment)\" is not ATTRIBUTE=VALUE")
                }
                attributes[String(assignment[..<equals])] = String(assignment[assignment.index(after: equals)...])
            }
            try await global.withRoster { roster in
                _ = try await roster.directory.update(email: email, attributes: attributes, by: .system)
                print("updated \(email)")
            }
        }
    }

    struct Suspend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Suspend a user: deprovisioned from every application.")
        @OptionGroup var global: GlobalOptions
        @Argument var email: String
        func run() async throws {
            try await global.withRoster { roster in
                _ = try await roster.directory.setState(email: email, .suspended, by: .system)
                print("suspended \(email)")
            }
        }
    }

    struct Reactivate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a suspended user active again.")
        @OptionGroup var global: GlobalOptions
        @Argument var email: String
        func run() async throws {
            try await global.withRoster { roster in
                _ = try await roster.directory.setState(email: email, .active, by: .system)
                print("reactivated \(email)")
            }
        }
    }
}
