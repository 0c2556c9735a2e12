import ArgumentParser
import Foundation
import RosterApp
import RosterCore

struct APIKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apikey", abstract: "API keys for the REST API.",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an API key and print it once.")
        @OptionGroup var global: GlobalOptions
        @Option var name: String
        @Option(help: "admin, manager or readonly (the default).") var role = "readonly"
        @Option(name: .customLong("as"), help: "Administrator the key acts for (imports email them).") var owner:
            String?
        @Option(help: "How long the key works: 90d, 12h, 30m.") var expiresIn: String?
        @Flag var json = false

        struct Created: Encodable { let id, name, role, key: String }

        func run() async throws {
            let role = try Role.parse(role)
            let lifetime = try expiresIn.map(parseLifetime)
            try await global.withRoster { roster in
                let (key, secret) = try await roster.keys.create(
                    name: name, role: role, owner: owner, expiresIn: lifetime, by: .system)
                if json {
                    return try printJSON(Created(id: key.id.text, name: key.name, role: key.role.rawValue, key: secret))
                }
                print(secret)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List API keys: role, administrator, expiry, last use.")
        @OptionGroup var global: GlobalOptions
        @Flag var json = false

        struct Entry: Encodable {
            let id, name, role, status: String
            let administrator: String?
            let created: Date
            let expires, lastUsed, revoked: Date?
        }

        func run() async throws {
            try await global.withRoster { roster in
                let admins = Dictionary(
                    try await roster.administrators.list(by: .system).map { ($0.id, $0.email) },
                    uniquingKeysWith: { a, _ in a })
                let entries = try await roster.keys.list(by: .system).map { key in
                    Entry(
                        id: key.id.text, name: key.name, role: key.role.rawValue,
                        status: key.refusal(now: Date()) == nil ? "active" : key.revoked != nil ? "revoked" : "expired",
                        administrator: key.administratorId.flatMap { admins[$0] }, created: key.created,
                        expires: key.expires,
                        lastUsed: key.lastUsed, revoked: key.revoked)
                }
                if json { return try printJSON(entries) }
                let formatter = ISO8601DateFormatter()
                for e in entries {
                    printRow(
                        e.id, e.name, e.role, e.status, e.administrator ?? "",
                        e.lastUsed.map(formatter.string) ?? "never used")
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke an API key: it stops working at once.")
        @OptionGroup var global: GlobalOptions
        @Argument var id: String

        func run() async throws {
            guard let keyId = UUID(uuidString: id) else { throw RosterError.invalid("\"\(id)\" is not an API key id") }
            try await global.withRoster { try await $0.keys.revoke(id: keyId, by: .system) }
            print("revoked \(keyId.text)")
        }
    }
}

/// `90d`, `12h`, `30m`, `45s`: how long something lasts, as an operator types it.
func parseLifetime(_ text: String) throws -> TimeInterval {
    let units: [Character: TimeInterval] = ["d": 86400, "h": 3600, "m": 60, "s": 1]
    guard let unit = text.last.flatMap({ units[$0] }), let amount = Int(text.dropLast()), amount > 0, amount <= 100_000
    else {
        throw ValidationError("a lifetime is a positive number with d, h, m or s after it, like 90d, not \"\(text)\"")
    }
    return TimeInterval(amount) * unit
}
