import ArgumentParser
import Foundation
import RosterApp
import RosterCore

struct JobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs", abstract: "The background job queue.", subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List queued, running and finished jobs, newest first.")
        @OptionGroup var global: GlobalOptions
        @Option var limit = 100
        @Flag var json = false

        struct Entry: Encodable {
            let id, kind, payload, status: String
            let attempts: Int
            let leaseOwner: String?
            let leaseUntil: Date?
            let lastError: String?
        }

        func run() async throws {
            try await global.withRoster { roster in
                let entries = try await roster.jobs.list(limit: limit, by: .system).map {
                    Entry(
                        id: $0.job.id.text, kind: $0.job.kind, payload: $0.job.encodedPayload, status: $0.status,
                        attempts: $0.job.attempts, leaseOwner: $0.leaseOwner, leaseUntil: $0.leaseUntil,
                        lastError: $0.lastError)
                }
                if json { return try printJSON(entries) }
                for e in entries { printRow(e.id, e.kind, e.status, e.leaseOwner ?? "", e.lastError ?? "") }
            }
        }
    }
}
