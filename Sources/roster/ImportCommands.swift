import ArgumentParser
import Foundation
import RosterCore
import RosterServer

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Manual import of an application's users.", subcommands: [List.self, Run.self, Show.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the application's users and whether each can be imported.")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String
        @Option(help: "A SCIM filter, e.g. 'userName sw \"a\"'.") var filter: String?
        @Option(help: "Text to look for in userName, emails, displayName and names.") var search: String?
        @Option(help: "Attribute to sort by, e.g. userName or name.familyName.") var sort: String?
        @Flag(help: "Sort in descending order.") var descending = false
        @Flag var json = false

        func run() async throws {
            try await global.withRoster { roster in
                let users = try await roster.imports.remoteUsers(
                    application: name, options: .init(filter: filter, search: search, sortBy: sort, sortOrder: descending ? .descending : .ascending),
                    by: .system)
                if json { return try printJSON(users.map(RemoteUserJSON.init)) }
                for u in users {
                    print([u.remoteId, u.userName ?? "", u.email ?? "", u.status.rawValue, u.reason ?? ""].joined(separator: "\t"))
                }
                let counts = Dictionary(grouping: users, by: \.status).mapValues(\.count)
                FileHandle.standardError.write(Data("\(users.count) users: \(counts[.new] ?? 0) new, \(counts[.exists] ?? 0) already in the directory, \(counts[.invalid] ?? 0) cannot be imported\n".utf8))
            }
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Import all or selected users of the application.")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String
        @Flag(help: "Import every user of the application.") var all = false
        @Option(name: .customLong("user"), help: "Remote id of a user to import (repeatable).") var users: [String] = []
        @Option(name: .customLong("as"), help: "Email of the administrator performing the import.") var administrator: String
        @Flag(help: "For 100 or more users, wait for (or run) the background job and print its results.") var wait = false
        @Flag var json = false

        func validate() throws {
            guard all != !users.isEmpty else { throw ValidationError("give either --all or one or more --user REMOTE_ID") }
        }

        func run() async throws {
            try await global.withRoster { roster in
                let initiator = try await roster.administrators.actingAs(email: administrator)
                let outcome = try await roster.imports.start(application: name, selection: all ? .all : .ids(users), by: initiator)
                switch outcome {
                case .finished(let job, let results):
                    try report(job, results)
                case .queued(let job):
                    guard wait else {
                        if json { try printJSON(ImportJSON(job, [])) } else {
                            print("import job \(job.id.uuidString.lowercased()) queued; the results will be emailed to \(administrator)")
                        }
                        return
                    }
                    let worker = roster.makeWorker()
                    var lastShown = -1
                    try await worker.drain {
                        guard let current = try await roster.storage.job(id: job.id) else { return true }
                        if current.processed != lastShown {
                            lastShown = current.processed
                            FileHandle.standardError.write(Data("import \(current.status.rawValue): \(current.processed) of \(current.total) users\n".utf8))
                        }
                        return current.isFinished
                    }
                    let (finished, results) = try await roster.imports.job(id: job.id, by: initiator)
                    try report(finished, results)
                }
            }
        }

        func report(_ job: ImportJob, _ results: [ImportResult]) throws {
            if json { try printJSON(ImportJSON(job, results)) } else {
                for r in results {
                    print([r.remoteId, r.userName ?? "", r.outcome.rawValue, r.userId?.uuidString.lowercased() ?? "", r.reason ?? ""].joined(separator: "\t"))
                }
                print("import \(job.status.rawValue): \(job.created) created, \(job.skipped) skipped, \(job.failed) failed")
            }
            try ImportCommand.exitStatus(job)
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show an import job and its results.")
        @OptionGroup var global: GlobalOptions
        @Argument var jobId: String
        @Flag var json = false

        func run() async throws {
            guard let id = UUID(uuidString: jobId) else { throw RosterError.invalid("\"\(jobId)\" is not an import job id") }
            try await global.withRoster { roster in
                let (job, results) = try await roster.imports.job(id: id, by: .system)
                if json { return try printJSON(ImportJSON(job, results)) }
                print("job \(job.id.uuidString.lowercased()): \(job.status.rawValue), \(job.processed) of \(job.total) users: \(job.created) created, \(job.skipped) skipped, \(job.failed) failed\(job.reason.map { " (\($0))" } ?? "")")
                for r in results {
                    print([r.remoteId, r.userName ?? "", r.outcome.rawValue, r.userId?.uuidString.lowercased() ?? "", r.reason ?? ""].joined(separator: "\t"))
                }
            }
        }
    }

    /// An import that ended in error exits non-zero after printing what was done: 2 when the
    /// service provider failed, 1 when an administrator stopped it (deactivation).
    static func exitStatus(_ job: ImportJob) throws {
        if job.failed > 0, job.status == .completed {
            FileHandle.standardError.write(Data("roster: \(job.failed) users could not be imported; see the reasons above\n".utf8))
        }
        guard job.status == .failed else { return }
        let reason = job.reason ?? "the import failed"
        throw CommandFailure(message: "import stopped: \(reason)", code: reason == "integration deactivated" ? 1 : 2)
    }
}
