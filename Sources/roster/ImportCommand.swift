import ArgumentParser
import Foundation
import RosterApp
import RosterCore

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Manual import of an application's users.",
        subcommands: [List.self, Run.self, Show.self, History.self, ScheduledImportsCommand.self])

    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The newest import jobs, scheduled runs marked apart from those started by hand.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Only scheduled runs.") var scheduled = false
        @Flag(help: "Only imports started by hand.") var manual = false
        @Option var limit = 100
        @Flag var json = false

        func run() async throws {
            try await global.withRoster { roster in
                let rows = try await roster.imports.history(limit: limit, by: .system).filter {
                    !(scheduled && $0.job.trigger == nil) && !(manual && $0.job.trigger != nil)
                }
                if json { return try printJSON(rows.map { ImportJSON($0.job, []).job }) }
                for (job, application) in rows {
                    let created = "\(job.created) \(job.isDryRun ? "new" : "created")"
                    printRow(
                        job.createdAt.iso8601Text, application ?? "(deleted)", job.kind, job.status.rawValue,
                        "\(created), \(job.skipped) skipped, \(job.failed) failed", job.id.text)
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the application's users and whether each can be imported.")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String
        @Option(help: "A SCIM filter, e.g. 'userName sw \"a\"'.") var filter: String?
        @Option(help: "Text to look for in userName, emails, displayName and names.") var search: String?
        @Option(help: "Attribute to sort by, e.g. userName or name.familyName.") var sort: String?
        @Flag(help: "Sort in descending order.") var descending = false
        @Flag var json = false

        func run() async throws {
            try await global.withRoster { roster in
                let options = RemoteListing.Options(
                    filter: filter, search: search, sortBy: sort,
                    sortOrder: descending ? .descending : .ascending)
                let users = try await roster.remoteUsers.remoteUsers(application: name, options: options, by: .system)
                if json { return try printJSON(users.map(RemoteUserJSON.init)) }
                for u in users {
                    printRow(u.remoteId, u.userName ?? "", u.email ?? "", u.status.rawValue, u.reason ?? "")
                }
                let counts = Dictionary(grouping: users, by: \.status).mapValues(\.count)
                let summary =
                    "\(users.count) users: \(counts[.new] ?? 0) new, \(counts[.exists] ?? 0) already in the directory, "
                    + "\(counts[.invalid] ?? 0) cannot be imported\n"
                FileHandle.standardError.write(Data(summary.utf8))
            }
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Import all or selected users of the application.")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String
        @Flag(help: "Import every user of the application.") var all = false
        @Option(name: .customLong("user"), help: "Remote id of a user to import (repeatable).") var users: [String] = []
        @Option(name: .customLong("as"), help: "Email of the administrator performing the import.") var administrator:
            String
        @Flag(help: "For 100 or more users, wait for (or run) the background job and print its results.") var wait =
            false
        @Flag var json = false

        func validate() throws {
            guard all != !users.isEmpty else {
                throw ValidationError("give either --all or one or more --user REMOTE_ID")
            }
        }

        func run() async throws {
            try await global.withRoster { roster in
                let initiator = try await roster.administrators.actingAs(email: administrator)
                let outcome = try await roster.imports.start(
                    application: name, selection: all ? .all : .ids(users), by: initiator)
                switch outcome {
                case .finished(let job, let results):
                    try report(job, results)
                case .queued(let job):
                    guard wait else {
                        if json { return try printJSON(ImportJSON(job, [])) }
                        return print(
                            "import job \(job.id.text) queued; the results will be emailed to \(administrator)")
                    }
                    let progress = ImportProgress()
                    try await roster.makeWorker().drain {
                        let current = try await roster.imports.progress(id: job.id, by: initiator)
                        progress.show(current)
                        return current.isFinished
                    }
                    progress.end()
                    let (finished, results) = try await roster.imports.job(id: job.id, by: initiator)
                    try report(finished, results)
                }
            }
        }

        func report(_ job: ImportJob, _ results: [ImportResult]) throws {
            if json {
                try printJSON(ImportJSON(job, results))
            } else {
                for r in results {
                    printRow(r.remoteId, r.userName ?? "", r.outcome.rawValue, r.userId?.text ?? "", r.reason ?? "")
                }
                print(
                    "import \(job.status.rawValue): \(job.created) created, \(job.skipped) skipped, \(job.failed) "
                        + "failed"
                )
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
            guard let id = UUID(uuidString: jobId) else {
                throw RosterError.invalid("\"\(jobId)\" is not an import job id")
            }
            try await global.withRoster { roster in
                let (job, results) = try await roster.imports.job(id: id, by: .system)
                if json { return try printJSON(ImportJSON(job, results)) }
                let reason = job.reason.map { " (\($0))" } ?? ""
                print(
                    "job \(job.id.text): \(job.status.rawValue), \(job.processed) of \(job.total) users: "
                        + "\(job.created) created, "
                        + "\(job.skipped) skipped, \(job.failed) failed\(reason)")
                for r in results {
                    printRow(r.remoteId, r.userName ?? "", r.outcome.rawValue, r.userId?.text ?? "", r.reason ?? "")
                }
            }
        }
    }

    /// An import that ended in error exits non-zero after printing what was done: 2 when the
    /// service provider failed, 1 when an administrator stopped it (deactivation).
    static func exitStatus(_ job: ImportJob) throws {
        if job.failed > 0, job.status == .completed {
            FileHandle.standardError.write(
                Data("roster: \(job.failed) users could not be imported; see the reasons above\n".utf8))
        }
        guard job.status == .failed else { return }
        let reason = job.reason ?? "the import failed"
        throw CommandFailure(message: "import stopped: \(reason)", code: reason == "integration deactivated" ? 1 : 2)
    }
}
