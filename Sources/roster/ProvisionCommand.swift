import ArgumentParser
import Foundation
import RosterApp
import RosterCore

struct ProvisionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "provision", abstract: "Provisioning to applications.",
        subcommands: [Log.self, Confirm.self])

    struct Confirm: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Confirm deprovisioning held because it exceeded the threshold.")
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
        static let configuration = CommandConfiguration(
            abstract: "Every push to an application: user or group, operation, outcome.")
        @OptionGroup var global: GlobalOptions
        @Argument var application: String
        @Option(help: "Only the pushes of this user (email).") var user: String?
        @Flag var json = false
        func run() async throws {
            try await global.withRoster { roster in
                var userId: UUID?
                if let user { userId = try await roster.directory.find(email: user, by: .system).id }
                // Read a page at a time, filtered by the database.
                var entries: [ProvisioningLogEntry] = []
                while true {
                    let page = try await roster.provisioningLog.entries(
                        application: application, user: userId, limit: 1000,
                        offset: entries.count, by: .system)
                    entries += page
                    if page.count < 1000 { break }
                }
                if json { return try printJSON(entries.map(ProvisioningLogJSON.init)) }
                let formatter = ISO8601DateFormatter()
                for e in entries {
                    printRow(
                        formatter.string(from: e.time), e.targetType.rawValue, e.targetName ?? e.targetId.text,
                        e.operation.rawValue,
                        e.outcome.rawValue, e.remoteId ?? "", e.detail ?? "")
                }
            }
        }
    }
}
