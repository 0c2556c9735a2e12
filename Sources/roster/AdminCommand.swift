import ArgumentParser
import Foundation
import RosterApp
import RosterCore

struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin", abstract: "Administrators: create, list, and offboard.",
        subcommands: [
            Create.self, List.self, Disable.self, Enable.self, Delete.self, SetRole.self, SetPassword.self,
            Unlock.self, ResetMFA.self,
        ])

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
        @Flag var json = false

        func run() async throws {
            try await global.withRoster { roster in
                let admins = try await roster.administrators.list(by: .system)
                if json {
                    return try printJSON(admins.map(AdministratorJSON.init))
                }
                for admin in admins {
                    printRow(
                        admin.email, admin.role.rawValue, admin.disabled ? "disabled" : "active",
                        admin.mfaEnabled ? "mfa" : "")
                }
            }
        }
    }

    /// The offboarding commands that name an administrator and nothing else: the domain makes the
    /// change and says what it did.
    struct Disable: AdministratorChangeCommand {
        static let change = AdministratorService.Change.disable
        static let configuration = CommandConfiguration(
            abstract: "Disable an administrator: their sessions end at once and their API keys stop working.")
        @OptionGroup var global: GlobalOptions
        @Argument var email: String
    }

    struct Enable: AdministratorChangeCommand {
        static let change = AdministratorService.Change.enable
        static let configuration = CommandConfiguration(abstract: "Enable a disabled administrator again.")
        @OptionGroup var global: GlobalOptions
        @Argument var email: String
    }

    struct Delete: AdministratorChangeCommand {
        static let change = AdministratorService.Change.delete
        static let configuration = CommandConfiguration(
            abstract: "Delete an administrator and their API keys (what they did stays in Insights).")
        @OptionGroup var global: GlobalOptions
        @Argument var email: String
    }

    struct Unlock: AdministratorChangeCommand {
        static let change = AdministratorService.Change.unlock
        static let configuration = CommandConfiguration(abstract: "Lift the sign-in lock of an administrator early.")
        @OptionGroup var global: GlobalOptions
        @Argument var email: String
    }

    struct ResetMFA: AdministratorChangeCommand {
        static let change = AdministratorService.Change.resetMFA
        static let configuration = CommandConfiguration(
            commandName: "reset-mfa",
            abstract: "Forget a lost second factor: the administrator enrols again at sign-in.")
        @OptionGroup var global: GlobalOptions
        @Argument var email: String
    }

    struct SetRole: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-role",
            abstract: "Change an administrator's role; their sessions end and their keys follow.")
        @OptionGroup var global: GlobalOptions
        @Argument var email: String
        @Argument(help: "admin, manager or readonly") var role: String
        func run() async throws {
            let stopped = try await global.withRoster {
                try await $0.administrators.setRole(email: email, roleNamed: role, by: .system)
            }
            print("\(email) is now \(role.lowercased())" + AdministratorService.stoppedSchedules(stopped))
        }
    }

    struct SetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-password", abstract: "Give an administrator a new password; their sessions end.")
        @OptionGroup var global: GlobalOptions
        @Argument var email: String
        @Option(help: "Environment variable holding the password.") var passwordEnv: String
        func run() async throws {
            let password = try secret(fromEnvironment: passwordEnv, flag: "--password-env")
            try await global.withRoster {
                try await $0.administrators.setPassword(email: email, password: password, by: .system)
            }
            print("password set for \(email)")
        }
    }

}

protocol AdministratorChangeCommand: AsyncParsableCommand {
    static var change: AdministratorService.Change { get }
    var global: GlobalOptions { get }
    var email: String { get }
}

extension AdministratorChangeCommand {
    func run() async throws {
        print(try await global.withRoster { try await $0.administrators.apply(Self.change, email: email, by: .system) })
    }
}
