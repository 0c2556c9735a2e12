import ArgumentParser
import Foundation
import RosterCore
import RosterServer

struct GroupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "group", abstract: "User groups: members and bindings to applications.",
        subcommands: [Create.self, List.self, AddMember.self, RemoveMember.self, Bind.self, Unbind.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a user group.")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String
        func run() async throws {
            try await global.withRoster { roster in
                let group = try await roster.groups.create(name: name, by: .system)
                print("created group \(group.name), id \(group.id.text)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List user groups.")
        @OptionGroup var global: GlobalOptions
        func run() async throws {
            try await global.withRoster { roster in
                for (group, members, applications) in try await roster.groups.list(by: .system) {
                    print("\(group.name)\t\(members) members\t\(applications.count) applications")
                }
            }
        }
    }

    struct AddMember: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add-member", abstract: "Add users (by email) to a group.")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String
        @Argument var emails: [String]
        func run() async throws {
            try await global.withRoster { roster in
                try await roster.groups.addMembers(group: name, emails: emails, by: .system)
                print("added \(emails.count) members to \(name)")
            }
        }
    }

    struct RemoveMember: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "remove-member", abstract: "Remove users (by email) from a group.")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String
        @Argument var emails: [String]
        func run() async throws {
            try await global.withRoster { roster in
                try await roster.groups.removeMembers(group: name, emails: emails, by: .system)
                print("removed \(emails.count) members from \(name)")
            }
        }
    }

    struct Bind: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Bind a group to an application: its members are provisioned there.")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String
        @Argument var application: String
        func run() async throws {
            try await global.withRoster { roster in
                try await roster.groups.bind(group: name, application: application, by: .system)
                print("bound \(name) to \(application)")
            }
        }
    }

    struct Unbind: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Unbind a group from an application.")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String
        @Argument var application: String
        func run() async throws {
            try await global.withRoster { roster in
                try await roster.groups.unbind(group: name, application: application, by: .system)
                print("unbound \(name) from \(application)")
            }
        }
    }
}

struct ProvisionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "provision", abstract: "Provisioning to applications.",
                                                    subcommands: [Log.self, Confirm.self])

    struct Confirm: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Confirm deprovisioning held because it exceeded the threshold.")
        @OptionGroup var global: GlobalOptions
        @Argument var application: String
        func run() async throws {
            try await global.withRoster { roster in
                let released = try await roster.provisioning.confirmHeld(application: application, by: .system)
                print("confirmed: \(released) held pushes to \(application) are queued")
            }
        }
    }

    struct Log: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every push to an application: user or group, operation, outcome.")
        @OptionGroup var global: GlobalOptions
        @Argument var application: String
        @Option(help: "Only the pushes of this user (email).") var user: String?
        @Flag var json = false
        func run() async throws {
            try await global.withRoster { roster in
                var entries = try await roster.provisioning.log(application: application, by: .system)
                if let user {
                    let id = try await roster.directory.find(email: user).id
                    entries = entries.filter { $0.targetType == .user && $0.targetId == id }
                }
                if json { return try printJSON(entries.map(ProvisioningLogJSON.init)) }
                let formatter = ISO8601DateFormatter()
                for e in entries {
                    print([formatter.string(from: e.time), e.targetType.rawValue, e.targetName ?? e.targetId.text, e.operation.rawValue,
                           e.outcome.rawValue, e.remoteId ?? "", e.detail ?? ""].joined(separator: "\t"))
                }
            }
        }
    }
}

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "user", abstract: "One directory user.",
                                                    subcommands: [Set.self, Suspend.self, Reactivate.self, SetPassword.self, SendActivation.self])

    struct SetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set-password", abstract: "Set a user's password (password status turns set).")
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
            commandName: "send-activation", abstract: "Email the user a single-use link to choose a password (a reset once one is set).")
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
            abstract: "Change attributes, e.g. roster user set a@example.com jobTitle=Engineer department=R&D (empty value clears).")
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
        static let configuration = CommandConfiguration(abstract: "Suspend a user: deprovisioned from every application.")
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
