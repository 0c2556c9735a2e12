import ArgumentParser
import Foundation
import RosterCore
import RosterServer

struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "admin", abstract: "Administrators.", subcommands: [Create.self, List.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an administrator.")
        @OptionGroup var global: GlobalOptions
        @Option var email: String
        @Option var role = "admin"
        @Option(help: "Environment variable holding the password.") var passwordEnv: String

        func run() async throws {
            let password = try secret(fromEnvironment: passwordEnv, flag: "--password-env")
            let role = try parseRole(role)
            try await global.withRoster { roster in
                let admin = try await roster.administrators.create(email: email, role: role, password: password, by: .system)
                print("created administrator \(admin.email) (\(admin.role.rawValue)), id \(admin.id.uuidString.lowercased())")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List administrators.")
        @OptionGroup var global: GlobalOptions
        func run() async throws {
            try await global.withRoster { roster in
                for admin in try await roster.administrators.list(by: .system) { print("\(admin.email)\t\(admin.role.rawValue)") }
            }
        }
    }
}

struct APIKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "apikey", abstract: "API keys for the REST API.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an API key and print it once.")
        @OptionGroup var global: GlobalOptions
        @Option var name: String
        @Option var role = "admin"
        @Option(name: .customLong("as"), help: "Administrator the key acts for (imports email them).") var owner: String?

        func run() async throws {
            let role = try parseRole(role)
            try await global.withRoster { roster in
                let (_, secret) = try await roster.administrators.createAPIKey(name: name, role: role, owner: owner, by: .system)
                print(secret)
            }
        }
    }
}

struct UsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "users", abstract: "Directory users.", subcommands: [List.self])

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
                        for u in page { print([u.email, u.username, u.label, u.state.rawValue, u.passwordStatus.rawValue].joined(separator: "\t")) }
                    }
                }
            }
        }
    }
}

struct InsightsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "insights", abstract: "Directory Insights events.", subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List events, newest first.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only events of this type, e.g. user_create.") var type: String?
        @Option(help: "Only events at or after this time (2026-11-30 or an ISO 8601 time).") var since: String?
        @Option(help: "Only events before this time (2026-11-30 or an ISO 8601 time).") var until: String?
        @Option(help: "Only events by this administrator (email), or by system or apikey.") var initiator: String?
        @Option(help: "Only events of this application (name or id).") var app: String?
        @Option(help: "At most this many events.") var limit = 10_000
        @Flag var json = false

        func run() async throws {
            func time(_ text: String?, _ flag: String) throws -> Date? {
                try text.map { text in
                    guard let date = InsightsQuery.time(text) else {
                        throw ValidationError("\(flag) must be a date like 2026-11-30 or an ISO 8601 time, not \"\(text)\"")
                    }
                    return date
                }
            }
            let from = try time(since, "--since"), to = try time(until, "--until")
            try await global.withRoster { roster in
                var applicationId: UUID?
                if let app { applicationId = try await roster.applications.find(app).id }
                let events = try await roster.directory.events(InsightsQuery(
                    type: type, from: from, to: to, initiator: initiator, applicationId: applicationId, limit: limit), by: .system)
                if json { return try printJSON(events.map(EventJSON.init)) }
                let formatter = ISO8601DateFormatter()
                for e in events {
                    print([formatter.string(from: e.time), e.type, e.initiator.email ?? e.initiator.type.rawValue,
                           e.resource?.name ?? "", e.application?.name ?? "", e.success ? "ok" : "failed"].joined(separator: "\t"))
                }
            }
        }
    }
}
