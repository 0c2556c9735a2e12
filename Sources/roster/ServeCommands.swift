import ArgumentParser
import Foundation
import Hummingbird
import RosterCore
import RosterServer

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the REST API and run the background workers.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "Address to listen on.") var hostname = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8080
    @Flag(help: "Serve HTTP only; run workers elsewhere with roster worker.") var noWorkers = false

    func run() async throws {
        try await global.withRoster { roster in
            if try await roster.storage.administrators().isEmpty {
                FileHandle.standardError.write(Data("""
                    roster: no administrator yet. Create the first one, then sign in to the Admin Portal:
                      ROSTER_PASSWORD=... roster admin create --email you@example.com --role admin --password-env ROSTER_PASSWORD

                    """.utf8))
            }
            FileHandle.standardError.write(Data("roster: Admin Portal and API on http://\(hostname):\(port) (data in \(roster.configuration.dataDirectory.path))\n".utf8))
            let app = try buildApplication(roster: roster, hostname: hostname, port: port, workers: !noWorkers)
            try await app.runService()
        }
    }
}

struct Worker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the background workers only, with no HTTP.")
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Run the jobs that are due, then exit (for cron and scripts).") var untilIdle = false

    func run() async throws {
        try await global.withRoster { roster in
            if untilIdle {
                let worker = roster.makeWorker()
                while try await worker.runOne() != nil {}
                await roster.mailer.deliverPending()
            } else {
                try await runWorkers(roster: roster)
            }
        }
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply database migrations (serve does this at start too).")
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Revert the newest migration instead.") var revert = false

    func run() async throws {
        try await global.withRoster { roster in
            if revert { try await roster.storage.revertLastMigration() }
            print(revert ? "reverted the newest migration" : "database is up to date")
        }
    }
}

struct JobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "jobs", abstract: "The background job queue.", subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List queued, running and finished jobs, newest first.")
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
                let entries = try await roster.storage.queue(limit: limit).map {
                    Entry(id: $0.job.id.uuidString.lowercased(), kind: $0.job.kind, payload: $0.job.payload, status: $0.status,
                          attempts: $0.job.attempts, leaseOwner: $0.leaseOwner, leaseUntil: $0.leaseUntil, lastError: $0.lastError)
                }
                if json { return try printJSON(entries) }
                for e in entries { print([e.id, e.kind, e.status, e.leaseOwner ?? "", e.lastError ?? ""].joined(separator: "\t")) }
            }
        }
    }
}
