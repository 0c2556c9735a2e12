import Foundation
import SCIM

/// Starting imports and reading how they went. Fewer than 100 users are imported at once;
/// more are queued for a background worker (``ImportRunner``).
public struct ImportService: Sendable {
    /// At this many users an import is queued and run in the background (SPEC.md).
    public static let backgroundThreshold = 100

    let storage: any Storage
    let applications: ApplicationService
    let access: IntegrationAccess
    let runner: ImportRunner

    public enum StartOutcome: Sendable {
        /// Fewer than 100 users: done at once.
        case finished(ImportJob, [ImportResult])
        /// 100 or more: queued for a background worker.
        case queued(ImportJob)
    }

    public func start(application name: String, selection: ImportSelection, by initiator: Initiator) async throws
        -> StartOutcome
    {
        try initiator.require(.change)
        let connection = try await access.connect(try await applications.find(name))
        let application = connection.application
        switch selection {
        case .ids(let requested):
            var unique: [String] = []
            var seen = Set<String>()
            for id in requested where seen.insert(id).inserted { unique.append(id) }
            guard !unique.isEmpty else { throw RosterError.invalid("select at least one user to import") }
            if unique.count >= Self.backgroundThreshold {
                return .queued(try await queue(application, .ids(unique), total: unique.count, by: initiator))
            }
            let job = try await begin(application, .ids(unique), total: unique.count, by: initiator)
            let finished = try await runner.run(job, application: application, lease: Lease())
            return .finished(finished, try await storage.results(jobId: job.id))
        case .all:
            // Read up to the threshold: a small application is imported at once from what was read.
            var firstUsers: [SCIMUser] = []
            // An application with mapping rules needs its users whole (rules read any path).
            let raw =
                !(try await storage.mappingVersions(applicationId: application.id).first?.mapping.rules.isEmpty ?? true)
            do {
                let query = UserQuery(pageSize: ImportRunner.batchSize)
                for try await page in connection.client.userPages(query, config: connection.provider, raw: raw) {
                    firstUsers += page
                    if firstUsers.count >= Self.backgroundThreshold { break }
                }
            } catch { throw RosterError.from(error) }
            if firstUsers.count >= Self.backgroundThreshold {
                return .queued(try await queue(application, .all, total: 0, by: initiator))
            }
            let job = try await begin(application, .all, total: firstUsers.count, by: initiator)
            let finished = try await runner.run(job, application: application, listed: firstUsers)
            return .finished(finished, try await storage.results(jobId: job.id))
        }
    }

    public func job(id: UUID, by initiator: Initiator) async throws -> (ImportJob, [ImportResult]) {
        try initiator.require(.read)
        guard let job = try await storage.job(id: id) else {
            throw RosterError.notFound("there is no import job \(id.text)")
        }
        return (job, try await storage.results(jobId: id))
    }

    /// The job alone, without its results (a progress bar asks often).
    public func progress(id: UUID, by initiator: Initiator) async throws -> ImportJob {
        try initiator.require(.read)
        guard let job = try await storage.job(id: id) else {
            throw RosterError.notFound("there is no import job \(id.text)")
        }
        return job
    }

    /// The name of the job's application, nil once it was deleted.
    public func applicationName(of job: ImportJob, by initiator: Initiator) async throws -> String? {
        try initiator.require(.read)
        return try await storage.application(id: job.applicationId)?.name
    }

    /// The newest import jobs, each with the name of its application (nil once deleted).
    public func history(limit: Int = 100, by initiator: Initiator) async throws -> [(
        job: ImportJob, application: String?
    )] {
        try initiator.require(.read)
        var names: [UUID: String?] = [:]
        var rows: [(job: ImportJob, application: String?)] = []
        for job in try await storage.jobs(limit: limit) {
            if names[job.applicationId] == nil {
                names[job.applicationId] = .some(try await storage.application(id: job.applicationId)?.name)
            }
            rows.append((job, names[job.applicationId] ?? nil))
        }
        return rows
    }

    /// Creates the job (`running` when it runs now, `queued` for a worker) and records its start, in
    /// `tx`: a job is never without its `import_start` event.
    private func begin(
        _ application: Application, _ selection: ImportSelection, total: Int, status: ImportJob.Status = .running,
        trigger: ImportTrigger? = nil, at time: Date = Date(), by initiator: Initiator, in tx: any Storage
    ) async throws -> ImportJob {
        let job = ImportJob(
            applicationId: application.id, initiator: initiator, selection: selection, status: status, total: total,
            createdAt: time, trigger: trigger)
        try await tx.createJob(job)
        try await recordStart(job, application, in: tx)
        return job
    }

    /// A job that runs now, begun in a transaction of its own.
    private func begin(
        _ application: Application, _ selection: ImportSelection, total: Int, by initiator: Initiator
    ) async throws -> ImportJob {
        try await storage.transaction { tx in
            try await begin(application, selection, total: total, by: initiator, in: tx)
        }
    }

    /// Creates the job and queues it for a worker (a large import, or a schedule's slot), in `tx` or a
    /// transaction of its own: a queued import is never without the work that runs it.
    func queue(
        _ application: Application, _ selection: ImportSelection, total: Int, trigger: ImportTrigger? = nil,
        at time: Date = Date(), by initiator: Initiator, in tx: (any Storage)? = nil
    ) async throws -> ImportJob {
        guard let tx else {
            return try await storage.transaction { tx in
                try await queue(application, selection, total: total, trigger: trigger, at: time, by: initiator, in: tx)
            }
        }
        let job = try await begin(
            application, selection, total: total, status: .queued, trigger: trigger, at: time, by: initiator, in: tx)
        _ = try await tx.enqueue(.importJob(importJobId: job.id))
        return job
    }

    private func recordStart(_ job: ImportJob, _ application: Application, in tx: any Storage) async throws {
        try await tx.record(
            InsightsEvent(
                type: .importStart, initiator: job.initiator,
                resource: .init(type: "import_job", id: job.id, name: application.name),
                application: .init(application), importJobId: job.id))
    }
}
