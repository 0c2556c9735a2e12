import Foundation
import Logging
import SCIM
import Synchronization

/// Runs an import job, batch by batch: reads the remote users, commits each batch in one
/// transaction, and at the end records how it went and emails the results. Resumes a job a
/// crashed worker left: users that already have a result are not read again.
public struct ImportRunner: JobHandler {
    static let batchSize = 100
    /// Users committed in one transaction: fewer, larger commits write each index page less often.
    static let commitSize = 2_000
    /// What an "import all" asks the provider for: its largest pages.
    public static let listingQuery = UserQuery(pageSize: UserQuery.largestPage)

    let storage: any Storage
    let access: IntegrationAccess
    let mail: MailOutbox
    let logger: Logger

    public func run(_ payload: JobPayload, attempt: Int, lease: Lease) async throws -> JobOutcome {
        guard case .importJob(let jobId) = payload else { return .failed("not an import job") }
        guard var job = try await storage.job(id: jobId), !job.isFinished else { return .done }
        guard let application = try await storage.application(id: job.applicationId) else {
            try await storage.updateJob(
                id: jobId, status: .failed, total: nil, reason: "the application was deleted",
                finishedAt: Date())
            return .done
        }
        if job.status == .queued, let why = try await initiatorCannotImport(job.initiator) {
            // Queued while its administrator could, run once they no longer can: not run, and not
            // reported to them (their mail may be a leaver's); the log and the import's reason say why.
            logger.warning("queued import not run", metadata: ["job": "\(jobId)", "reason": "\(why)"])
            try await storage.updateJob(
                id: jobId, status: .failed, total: nil, reason: "not run: \(why)", finishedAt: Date())
            return .done
        }
        if job.status == .queued {
            try await storage.updateJob(id: jobId, status: .running, total: nil, reason: nil, finishedAt: nil)
            job.status = .running
        }
        _ = try await run(job, application: application, lease: lease)
        return .done
    }

    /// Why the administrator who asked for an import can no longer have it run (an import runs as its
    /// administrator is when it starts); nil for one who still can, and for system and key initiators.
    private func initiatorCannotImport(_ initiator: Initiator) async throws -> String? {
        guard initiator.type == .administrator, let id = initiator.id else { return nil }
        return Administrator.cannotChange(try await storage.administrator(id: id), email: initiator.email ?? id.text)
    }

    /// Runs the job to its end (or until the lease is lost), then reports it.
    func run(_ job: ImportJob, application: Application, lease: Lease) async throws -> ImportJob {
        try await finish(job, application: application) {
            let connection = try await access.connect(application)
            let mapping = try await storage.currentMapping(of: application.id)
            switch job.selection {
            case .ids(let ids):
                try await importSelected(ids, job: job, connection: connection, mapping: mapping, lease: lease)
            case .all:
                try await importAll(job, connection: connection, mapping: mapping, lease: lease)
            }
        }
    }

    /// Every user of the application, as a pipeline: while batch n commits (a child task of the
    /// commits' group), the pages after it are listed, mapped and readied here (their rows made by
    /// the store), and the pages after those are on their way (see `ResourcePages`). Batches commit
    /// in order, one at a time, so exactly-once and resume-after-kill behave as before.
    private func importAll(
        _ job: ImportJob, connection: IntegrationAccess.Connection, mapping: AttributeMapping?, lease: Lease
    ) async throws {
        let application = connection.application
        // A schedule's filter goes to the provider when it filters, else is applied here.
        let filterText = job.trigger?.filter
        let filter = try filterText.map { text in
            do { return try SCIMFilter(parsing: text) } catch { throw RosterError.invalid("\(error)") }
        }
        let providerFilters = connection.provider.filterSupported
        var query = Self.listingQuery
        if providerFilters { query.filter = filterText }
        // Rules read any path of a user: pages are then read whole, not straight into users.
        let raw = filter != nil || !(mapping?.rules.isEmpty ?? true)
        let pages = connection.client.userPages(query, config: connection.provider, raw: raw)
        let listed = try await withThrowingTaskGroup(of: Void.self) { commits in
            var listed = 0
            var pending: [ImportCandidate] = []
            var committing = false
            // Whether the batch in flight has committed: read without waiting for it.
            let idle = Flag(true)
            /// Readies what is pending while the batch before commits, then hands it to a commit of
            /// its own once that one is done. The job's total goes with the batch, and the
            /// integration is checked in its transaction (`activeIntegration`).
            func send() async throws {
                // A page the schedule's filter emptied brings nothing to commit.
                guard !pending.isEmpty else { return }
                var rules = ImportRules.batchRules(application: application, job: job)
                rules.listed = listed
                rules.activeIntegration = application.id
                let batch = try storage.prepareImportBatch(jobId: job.id, candidates: pending, rules: rules)
                pending = []
                if committing { try await commits.next() }
                guard lease.isHeld else { throw Stop.leaseLost }
                idle.set(false)
                committing = true
                // Ahead of the pages being read: a wait for a thread behind page decoding stalls the writer.
                commits.addTask(priority: .high) {
                    defer { idle.set(true) }
                    try await commit(batch, rules: rules)
                }
            }
            do {
                for try await all in pages {
                    let page = providerFilters || filter == nil ? all : all.filter { filter!.matches($0.raw) }
                    pending += page.map { candidate($0, job: job, application: application, mapping: mapping) }
                    listed += page.count
                    // Committed at once while the database keeps up; gathered into larger batches while
                    // it is busy (a slow provider's pages show up in the job one by one).
                    guard pending.count >= Self.commitSize || idle.value else { continue }
                    try await send()
                }
                if !pending.isEmpty { try await send() }
                try await commits.waitForAll()
            } catch {
                // A commit in flight ends (it is not cancelled) before the job is reported, whatever
                // stopped the listing.
                while (try? await commits.next()) != nil {}
                throw error
            }
            return listed
        }
        try await storage.updateJob(id: job.id, status: .running, total: listed, reason: nil, finishedAt: nil)
    }

    /// Imports users already read (a small "all" read while deciding whether to queue).
    func run(_ job: ImportJob, application: Application, listed users: [SCIMUser]) async throws -> ImportJob {
        try await finish(job, application: application) {
            let mapping = try await storage.currentMapping(of: application.id)
            try await importBatch(users, job: job, application: application, mapping: mapping)
        }
    }

    private func importSelected(
        _ ids: [String], job: ImportJob, connection: IntegrationAccess.Connection, mapping: AttributeMapping?,
        lease: Lease
    ) async throws {
        let application = connection.application
        for start in stride(from: 0, to: ids.count, by: Self.batchSize) {
            // bounded: indices within ids
            let chunk = Array(ids[start..<min(start + Self.batchSize, ids.count)])
            try await checkpoint(job, lease: lease)
            let done = try await storage.remoteIdsWithResults(jobId: job.id, among: chunk)
            var candidates: [ImportCandidate] = []
            for id in chunk where !done.contains(id) {
                do {
                    candidates.append(
                        candidate(
                            try await connection.client.user(id: id), job: job, application: application,
                            mapping: mapping))
                } catch let error as SCIMClientError where error.kind == .notFound {
                    candidates.append(
                        ImportCandidate(
                            remoteId: id, userName: nil,
                            mapped: .failure(
                                .invalidValue(attribute: "user", problem: ImportRules.notFoundReason(id, application))))
                    )
                }
            }
            try await commit(candidates, job: job, application: application)
        }
    }

    /// Why a job stopped before its end.
    private enum Stop: Error {
        /// The integration was deactivated: the job fails with this reason, what was done stays.
        case deactivated
        /// Another worker holds the job now: it will finish and report it.
        case leaseLost
        /// Its workers died under it too often: failed with this reason (Roster's own words).
        case abandoned(String)
        /// An administrator cancelled the job: what was done stays, and is reported.
        case cancelled
    }

    /// The job stopped Roster too many times: it fails with `reason`, what was done stays and is reported.
    public func abandoned(_ payload: JobPayload, reason: String) async throws {
        guard case .importJob(let jobId) = payload, let job = try await storage.job(id: jobId), !job.isFinished,
            let application = try await storage.application(id: job.applicationId)
        else { return }
        _ = try await finish(job, application: application) { throw Stop.abandoned(reason) }
    }

    /// Runs `work`, then records how the job ended, emits `import_complete` and emails the results.
    private func finish(_ job: ImportJob, application: Application, work: () async throws -> Void) async throws
        -> ImportJob
    {
        var status = ImportJob.Status.completed
        var reason: String?
        let started = ContinuousClock.now
        do {
            try await work()
        } catch Stop.abandoned(let why) {
            status = .failed
            reason = why
        } catch Stop.deactivated {
            status = .failed
            reason = "integration deactivated"
        } catch Stop.cancelled {
            status = .cancelled
            reason = try await storage.job(id: job.id)?.reason ?? "cancelled"
        } catch Stop.leaseLost {
            // Cancelled meanwhile (its lease ended with it): report it; else another worker holds it.
            if let stored = try await storage.job(id: job.id), stored.status == .cancelled {
                status = .cancelled
                reason = stored.reason
            } else {
                logger.warning("import job lease lost", metadata: ["job": "\(job.id)"])
                return try await storage.job(id: job.id) ?? job
            }
        } catch let error where error is CancellationError || Task.isCancelled {
            // The process is stopping: leave the job to be resumed, do not call it failed.
            throw error
        } catch {
            status = .failed
            let failure = RosterError.from(error)
            logger.error("import failed", metadata: ["job": "\(job.id)", "error": "\(failure)"])
            reason = failure.stored
        }
        // The work is over: its counts and results are what they will be. The results for the email
        // are read first, so the write below holds the database only for its few statements.
        guard let done = try await storage.job(id: job.id) else { return job }
        // A scheduled run that created nothing and failed nothing is not news: the weekly digest has it.
        let news = job.trigger == nil || status != .completed || done.created > 0 || done.failed > 0
        let results = news && job.initiator.email != nil ? try await resultsForMail(done) : nil
        // How it ended, its event and its email are kept together: a crash leaves all or none.
        let finished = try await storage.transaction { [mail, status, reason] tx -> ImportJob? in
            try await tx.updateJob(id: job.id, status: status, total: nil, reason: reason, finishedAt: Date())
            // The import screen's statuses changed: its next view reads the application again.
            try await tx.markListingStale(applicationId: application.id)
            guard let finished = try await tx.job(id: job.id) else { return nil }
            try await tx.record(
                InsightsEvent(
                    type: .importComplete, initiator: job.initiator,
                    resource: .init(type: "import_job", id: job.id, name: application.name),
                    application: .init(application), importJobId: job.id, success: status == .completed))
            if let results, let to = job.initiator.email {
                try await mail.enqueue(
                    ImportMail.compose(
                        job: finished, application: application, results: results, from: mail.from, to: to),
                    in: tx)
            }
            return finished
        }
        guard let finished else { return job }
        RosterMetrics.importRate(users: finished.processed - job.processed, in: ContinuousClock.now - started)
        if !news {
            logger.info("scheduled import found nothing new", metadata: ["job": "\(job.id)"])
        } else if job.initiator.email == nil {
            logger.info("import results not emailed: the initiator has no email", metadata: ["job": "\(job.id)"])
        }
        logger.info(
            "import job finished",
            metadata: [
                "job": "\(job.id)", "status": "\(status)",
                "created": "\(finished.created)",
            ])
        return finished
    }

    /// The first 200 failed results and the CSV for the email, read a page at a time. Up to
    /// ``ImportMail/maxAttachedRows`` results the CSV has every one; past that it has those that
    /// were not created (up to the same number), read without the others: the email stays mailable,
    /// the memory of a large import flat, and its end quick. Every result stays in
    /// `roster import show` and the portal's download.
    private func resultsForMail(_ job: ImportJob) async throws -> ImportMail.Results {
        let complete = job.processed <= ImportMail.maxAttachedRows
        var csv = Data(ImportResult.csvHeader.utf8)
        var rows = 0
        var failed: [ImportResult] = []
        var position = -1
        while complete || rows < ImportMail.maxAttachedRows || failed.count < 200 {
            let page = try await storage.results(
                jobId: job.id, after: position, limit: 5_000, except: complete ? nil : .created)
            guard let last = page.last else { break }
            for (_, result) in page {
                if complete || rows < ImportMail.maxAttachedRows {
                    csv.append(contentsOf: result.csvRow.utf8)
                    rows += 1
                }
                if result.outcome == .failed, failed.count < 200 { failed.append(result) }
            }
            position = last.position
        }
        return ImportMail.Results(failed: failed, csv: csv, complete: complete)
    }

    /// Stops between batches when the integration was deactivated or the lease was lost. A selection
    /// checks before asking the provider for each user; the commit checks again in its transaction.
    private func checkpoint(_ job: ImportJob, lease: Lease) async throws {
        guard lease.isHeld else { throw Stop.leaseLost }
        guard try await access.isActive(job.applicationId) else { throw Stop.deactivated }
    }

    private func importBatch(_ users: [SCIMUser], job: ImportJob, application: Application, mapping: AttributeMapping?)
        async throws
    {
        let done = try await storage.remoteIdsWithResults(jobId: job.id, among: users.compactMap(\.id))
        let candidates = users.filter { !done.contains($0.id ?? "") }.map {
            candidate($0, job: job, application: application, mapping: mapping)
        }
        try await commit(candidates, job: job, application: application)
    }

    /// The directory user a remote user becomes: the standard mapping, then the application's rules.
    private func candidate(_ user: SCIMUser, job: ImportJob, application: Application, mapping: AttributeMapping?)
        -> ImportCandidate
    {
        var mapped = UserMapping.map(user, source: ImportRules.source(application, jobId: job.id))
        if let mapping, !mapping.rules.isEmpty, case .success(var directoryUser) = mapped {
            do {
                try mapping.apply(to: &directoryUser, from: user.raw)
                mapped = .success(directoryUser)
            } catch {
                mapped = .failure(.invalidValue(attribute: "the application's mapping", problem: "\(error)"))
            }
        }
        return ImportCandidate(remoteId: user.id ?? "", userName: user.userName, mapped: mapped)
    }

    /// Commits one batch, unless the integration was deactivated since the batch was read.
    private func commit(_ candidates: [ImportCandidate], job: ImportJob, application: Application) async throws {
        guard !candidates.isEmpty else { return }
        var rules = ImportRules.batchRules(application: application, job: job)
        rules.activeIntegration = application.id
        try await commit(
            storage.prepareImportBatch(jobId: job.id, candidates: candidates, rules: rules), rules: rules)
    }

    private func commit(_ batch: any PreparedImportBatch, rules: ImportBatchRules) async throws {
        do {
            let results = try await storage.commitImportBatch(batch, rules: rules)
            RosterMetrics.importedUsers(results)
        } catch is IntegrationInactive {
            throw Stop.deactivated
        } catch is ImportCancelled {
            throw Stop.cancelled
        }
    }
}

/// A flag one task sets and another reads without waiting.
final class Flag: Sendable {
    private let state: Mutex<Bool>
    init(_ value: Bool) { state = Mutex(value) }
    var value: Bool { state.withLock { $0 } }
    func set(_ value: Bool) { state.withLock { $0 = value } }
}
