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
        @Option(help: "admin, manager or readonly (the default).") var role: String?
        @Option(name: .customLong("as"), help: "Administrator the key acts for (imports email them).") var owner:
            String?
        @Option(help: "How long the key works: 90d, 12h, 30m.") var expiresIn: String?
        @Flag var json = false

        func run() async throws {
            let role = try role.map(Role.parse) ?? .readonly
            let lifetime = try expiresIn.map(parseLifetime)
            try await global.withRoster { roster in
                let (key, secret) = try await roster.keys.create(
                    name: name, role: role, owner: owner, expiresIn: lifetime, by: .system)
                if json {
                    return try printJSON(CreatedAPIKeyJSON(key, secret: secret))
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

        func run() async throws {
            try await global.withRoster { roster in
                let listings = try await roster.keys.list(by: .system)
                if json { return try printJSON(listings.map(APIKeyJSON.init)) }
                let formatter = ISO8601DateFormatter()
                for listing in listings {
                    printRow(
                        listing.key.id.text, listing.key.name, listing.key.role.rawValue, listing.status.rawValue,
                        listing.administrator ?? "", listing.key.lastUsed.map(formatter.string) ?? "never used")
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
