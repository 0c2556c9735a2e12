import ArgumentParser
import Foundation
import RosterApp
import RosterCore

struct InsightsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "insights", abstract: "Directory Insights events.",
        subcommands: [List.self])

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
                        throw ValidationError(
                            "\(flag) must be a date like 2026-11-30 or an ISO 8601 time, not \"\(text)\"")
                    }
                    return date
                }
            }
            let from = try time(since, "--since"), to = try time(until, "--until")
            let eventType = try type.map(InsightsEventType.parse)
            try await global.withRoster { roster in
                var applicationId: UUID?
                if let app { applicationId = try await roster.applications.find(app).id }
                let events = try await roster.insights.events(
                    InsightsQuery(
                        type: eventType, from: from, to: to, initiator: initiator, applicationId: applicationId,
                        limit: limit), by: .system)
                if json { return try printJSON(events.map(EventJSON.init)) }
                let formatter = ISO8601DateFormatter()
                for e in events {
                    printRow(
                        formatter.string(from: e.time), e.type.rawValue, e.initiator.label,
                        e.resource?.name ?? "", e.application?.name ?? "", e.success ? "ok" : "failed")
                }
            }
        }
    }
}
