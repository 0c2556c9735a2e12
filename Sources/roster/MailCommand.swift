import ArgumentParser
import Foundation
import RosterApp
import RosterCore

struct MailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mail", abstract: "The email outbox.", subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the newest messages and whether each was sent.")
        @OptionGroup var global: GlobalOptions
        @Option var limit = 100
        @Flag var json = false

        struct Entry: Encodable {
            let id, to, subject, status: String
            let created: Date
            let sent: Date?
            let lastError: String?
        }

        func run() async throws {
            try await global.withRoster { roster in
                let entries = try await roster.mail.mails(limit: limit, by: .system).map {
                    Entry(
                        id: $0.id.text, to: $0.recipient, subject: $0.subject,
                        status: $0.sent == nil ? "pending" : "sent",
                        created: $0.created, sent: $0.sent, lastError: $0.lastError)
                }
                if json { return try printJSON(entries) }
                for e in entries { printRow(e.id, e.status, e.to, e.subject, e.lastError ?? "") }
            }
        }
    }
}
