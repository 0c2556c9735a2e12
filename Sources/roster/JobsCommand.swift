import ArgumentParser
import Foundation
import RosterApp
import RosterCore

struct JobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs", abstract: "The background job queue: see and stop any job.",
        subcommands: [List.self, Show.self, Cancel.self])

    static func jobId(_ text: String) throws -> UUID {
        guard let id = UUID(text: text) else { throw RosterError.invalid("\(text) is not a job id") }
        return id
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One job: its state, attempts, lease and last error.")
        @OptionGroup var global: GlobalOptions
        @Argument var id: String
        @Flag var json = false
        func run() async throws {
            try await global.withRoster { roster in
                let entry = JobJSON(try await roster.jobs.show(id: try JobsCommand.jobId(id), by: .system))
                if json { return try printJSON(entry) }
                for (name, value) in [
                    ("id", entry.id), ("kind", entry.kind), ("status", entry.status), ("payload", entry.payload),
                    ("attempts", String(entry.attempts)), ("takeovers", String(entry.takeovers)),
                    ("leaseOwner", entry.leaseOwner ?? ""), ("lastError", entry.lastError ?? ""),
                ] where !value.isEmpty {
                    printRow(name, value)
                }
            }
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop a job that waits or runs; a running import stops before its next batch, keeping "
                + "what it did.")
        @OptionGroup var global: GlobalOptions
        @Argument var id: String
        @Option(help: "The administrator cancelling it (recorded in Insights).") var `as`: String?
        func run() async throws {
            try await global.withRoster { roster in
                var initiator = Initiator.system
                if let email = `as` { initiator = try await roster.administrators.actingAs(email: email) }
                let cancelled = try await roster.jobs.cancel(id: try JobsCommand.jobId(id), by: initiator)
                print("cancelled job \(cancelled.job.id.text) (\(cancelled.job.kind))")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List queued, running and finished jobs, newest first.")
        @OptionGroup var global: GlobalOptions
        @Option var limit = 100
        @Flag var json = false

        func run() async throws {
            try await global.withRoster { roster in
                let entries = try await roster.jobs.list(limit: limit, by: .system).map(JobJSON.init)
                if json { return try printJSON(entries) }
                for e in entries { printRow(e.id, e.kind, e.status, e.leaseOwner ?? "", e.lastError ?? "") }
            }
        }
    }
}
