import Foundation
import Logging
import SCIM

/// Manual import: list an application's users with their status, and import them.
public struct ImportService: Sendable {
    /// At this many users an import is queued and run in the background (SPEC.md).
    public static let backgroundThreshold = 100
    static let batchSize = 100

    let storage: any Storage
    let applications: ApplicationService
    let connector: SCIMConnector
    let mailer: Mailer
    let logger: Logger

    public init(storage: any Storage, applications: ApplicationService, connector: SCIMConnector, mailer: Mailer, logger: Logger) {
        self.storage = storage
        self.applications = applications
        self.connector = connector
        self.mailer = mailer
        self.logger = logger
    }

    public struct ListOptions: Sendable {
        public var filter: String?
        public var search: String?
        public var sortBy: String?
        public var sortOrder: SCIMSortOrder
        public init(filter: String? = nil, search: String? = nil, sortBy: String? = nil, sortOrder: SCIMSortOrder = .ascending) {
            self.filter = filter
            self.search = search
            self.sortBy = sortBy
            self.sortOrder = sortOrder
        }
    }

    /// The application's users with their status. Filter and sort go to the service provider
    /// when it supports them, otherwise Roster applies them itself.
    public func remoteUsers(application name: String, options: ListOptions = .init(), by initiator: Initiator) async throws -> [RemoteUserStatus] {
        try initiator.require(.read)
        let (application, integration) = try await activeIntegration(name)
        var filterText = options.filter?.trimmingCharacters(in: .whitespaces).nonEmpty
        if let search = options.search?.trimmingCharacters(in: .whitespaces).nonEmpty {
            let quoted = SCIMFilter.quote(search)
            let searchFilter = ["userName", "emails", "displayName", "name.givenName", "name.familyName"]
                .map { "\($0) co \(quoted)" }.joined(separator: " or ")
            filterText = filterText.map { "(\($0)) and (\(searchFilter))" } ?? searchFilter
        }
        // Parsed here even when the provider filters, so a typo is reported by Roster, clearly.
        let filter = try filterText.map { text in
            do { return try SCIMFilter(parsing: text) } catch { throw RosterError.invalid("\(error)") }
        }
        let config = try await serviceProvider(integration)
        var query = UserQuery(pageSize: 200)
        if config.filterSupported { query.filter = filterText }
        if config.sortSupported, let sortBy = options.sortBy { query.sortBy = sortBy; query.sortOrder = options.sortOrder }
        let sortPath = options.sortBy.map(SCIMFilter.AttributePath.init)
        let sortLocally = sortPath != nil && !config.sortSupported
        var seen: [String: String] = [:]
        var listed: [(String?, RemoteUserStatus)] = []
        do {
            for try await page in connector.client(for: integration).userPages(query, config: config) {
                let kept = config.filterSupported || filter == nil ? page : page.filter { filter!.matches($0.raw) }
                let statuses = try await ImportRules.classify(kept, application: application, storage: storage, seen: &seen)
                for (user, status) in zip(kept, statuses) {
                    listed.append((sortLocally ? sortPath!.sortKey(in: user.raw) : nil, status))
                }
            }
        } catch { throw RosterError.from(error) }
        guard sortLocally else { return listed.map(\.1) }
        let ascending = options.sortOrder == .ascending
        return listed.sorted { a, b in
            switch (a.0, b.0) {
            case (nil, _): false
            case (_, nil): true
            case (let x?, let y?): ascending ? x < y : x > y
            }
        }.map(\.1)
    }

    /// One page of the import screen, and how many users of each status the whole listing has.
    public struct RemotePage: Sendable {
        public var users: [RemoteUserStatus]
        public var matching: Int
        public var counts: [RemoteUserStatus.Status: Int]
    }

    /// The import screen's page: the whole listing is read (statuses need every user), then
    /// narrowed to `status` and cut to the page.
    public func remoteUserPage(application name: String, options: ListOptions, status: RemoteUserStatus.Status?,
                               page: Int, pageSize: Int, by initiator: Initiator) async throws -> RemotePage {
        let all = try await remoteUsers(application: name, options: options, by: initiator)
        let counts = Dictionary(grouping: all, by: \.status).mapValues(\.count)
        let kept = status.map { wanted in all.filter { $0.status == wanted } } ?? all
        let start = max(0, (page - 1) * pageSize)
        return RemotePage(users: Array(kept.dropFirst(start).prefix(pageSize)), matching: kept.count, counts: counts)
    }

    /// What each selected remote user would become, read from the service provider now.
    public func preview(application name: String, remoteIds: [String], by initiator: Initiator) async throws
        -> [(status: RemoteUserStatus, user: DirectoryUser?)] {
        try initiator.require(.read)
        let (application, integration) = try await activeIntegration(name)
        let client = connector.client(for: integration)
        var remote: [SCIMUser] = [], fetchedIds: [String] = []
        var missing: Set<String> = []
        for id in remoteIds {
            do {
                remote.append(try await client.user(id: id))
                fetchedIds.append(id)
            } catch let error as SCIMClientError where error.kind == .notFound {
                missing.insert(id)  // deleted since it was listed: the import will report it too
            } catch { throw RosterError.from(error) }
        }
        var seen: [String: String] = [:]
        let statuses = try await ImportRules.classify(remote, application: application, storage: storage, seen: &seen)
        var found: [String: (RemoteUserStatus, DirectoryUser?)] = [:]
        for (id, (user, status)) in zip(fetchedIds, zip(remote, statuses)) {
            found[id] = (status, try? UserMapping.map(user, source: ImportRules.source(application, jobId: nil)).get())
        }
        return remoteIds.compactMap { id in
            if let item = found[id] { return item }
            guard missing.contains(id) else { return nil }
            return (RemoteUserStatus(remoteId: id, userName: nil, email: nil, displayName: nil, status: .invalid, matchedUserId: nil,
                                     reason: "\(id) was not found in \(application.name)"), nil)
        }
    }

    public enum StartOutcome: Sendable {
        /// Fewer than 100 users: done at once.
        case finished(ImportJob, [ImportResult])
        /// 100 or more: queued for a background worker.
        case queued(ImportJob)
    }

    public func start(application name: String, selection: ImportSelection, by initiator: Initiator) async throws -> StartOutcome {
        try initiator.require(.change)
        let (application, integration) = try await activeIntegration(name)
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
            return .finished(try await run(job, application: application, heartbeat: { true }), try await storage.results(jobId: job.id))
        case .all:
            // Read up to the threshold: a small application is imported at once from what was read.
            let config = try await serviceProvider(integration)
            var firstUsers: [SCIMUser] = []
            do {
                for try await page in connector.client(for: integration).userPages(.init(pageSize: Self.batchSize), config: config) {
                    firstUsers += page
                    if firstUsers.count >= Self.backgroundThreshold { break }
                }
            } catch { throw RosterError.from(error) }
            if firstUsers.count >= Self.backgroundThreshold {
                return .queued(try await queue(application, .all, total: 0, by: initiator))
            }
            var job = try await begin(application, .all, total: firstUsers.count, by: initiator)
            job = try await finish(job, application: application) {
                try await importBatch(firstUsers, job: job, application: application)
            }
            return .finished(job, try await storage.results(jobId: job.id))
        }
    }

    /// Runs (or resumes, after a crash) a queued import. `heartbeat` renews the worker's lease
    /// and says whether the job is still this worker's.
    public func runQueued(jobId: UUID, heartbeat: @escaping @Sendable () async throws -> Bool) async throws {
        guard var job = try await storage.job(id: jobId), !job.isFinished else { return }
        guard let application = try await storage.application(id: job.applicationId) else {
            try await storage.updateJob(id: jobId, status: .failed, total: nil, reason: "the application was deleted", finishedAt: Date())
            return
        }
        if job.status == .queued {
            try await storage.updateJob(id: jobId, status: .running, total: nil, reason: nil, finishedAt: nil)
            job.status = .running
        }
        _ = try await run(job, application: application, heartbeat: heartbeat)
    }

    public func job(id: UUID, by initiator: Initiator) async throws -> (ImportJob, [ImportResult]) {
        try initiator.require(.read)
        guard let job = try await storage.job(id: id) else { throw RosterError.notFound("there is no import job \(id.uuidString.lowercased())") }
        return (job, try await storage.results(jobId: id))
    }

    // MARK: - Running

    struct Stopped: Error { let reason: String }
    struct LeaseLost: Error {}

    private func run(_ job: ImportJob, application: Application, heartbeat: @escaping @Sendable () async throws -> Bool) async throws -> ImportJob {
        try await finish(job, application: application) {
            let integration = try await applications.integration(of: application)
            let client = connector.client(for: integration)
            switch job.selection {
            case .ids(let ids):
                var start = 0
                while start < ids.count {
                    let chunk = Array(ids[start..<min(start + Self.batchSize, ids.count)])
                    start += chunk.count
                    try await checkpoint(job, heartbeat: heartbeat)
                    var candidates: [ImportCandidate] = []
                    for id in try await pendingIds(chunk, job: job) {
                        do {
                            candidates.append(candidate(try await client.user(id: id), job: job, application: application))
                        } catch let error as SCIMClientError where error.kind == .notFound {
                            candidates.append(ImportCandidate(remoteId: id, userName: nil, mapped: .failure(
                                .invalidValue(attribute: "user", problem: "\(id) was not found in \(application.name)"))))
                        }
                    }
                    try await commit(candidates, job: job, application: application)
                }
            case .all:
                let config = try await serviceProvider(integration)
                var listed = 0
                for try await page in client.userPages(.init(pageSize: Self.batchSize), config: config) {
                    try await checkpoint(job, heartbeat: heartbeat)
                    listed += page.count
                    try await storage.updateJob(id: job.id, status: .running, total: listed, reason: nil, finishedAt: nil)
                    try await importBatch(page, job: job, application: application)
                }
                try await storage.updateJob(id: job.id, status: .running, total: listed, reason: nil, finishedAt: nil)
            }
        }
    }

    /// Runs `work`, then records how the job ended, emits `import_complete` and emails the results.
    private func finish(_ job: ImportJob, application: Application, work: () async throws -> Void) async throws -> ImportJob {
        var status = ImportJob.Status.completed
        var reason: String?
        do {
            try await work()
        } catch let stopped as Stopped {
            status = .failed
            reason = stopped.reason
        } catch let error where error is CancellationError || Task.isCancelled {
            // The process is stopping: leave the job to be resumed, do not call it failed.
            throw error
        } catch is LeaseLost {
            // Another worker holds the job now: it will finish and report it.
            logger.warning("import job lease lost", metadata: ["job": "\(job.id)"])
            return try await storage.job(id: job.id) ?? job
        } catch {
            status = .failed
            reason = RosterError.from(error).description
        }
        try await storage.updateJob(id: job.id, status: status, total: nil, reason: reason, finishedAt: Date())
        guard let finished = try await storage.job(id: job.id) else { return job }
        try await storage.record(InsightsEvent(
            type: "import_complete", initiator: job.initiator,
            resource: .init(type: "import_job", id: job.id.uuidString, name: application.name),
            application: .init(application), importJobId: job.id, success: status == .completed))
        let results = try await storage.results(jobId: job.id)
        if let to = job.initiator.email {
            try await mailer.send(ImportMail.compose(job: finished, application: application, results: results, from: mailer.from, to: to))
        } else {
            logger.info("import results not emailed: the initiator has no email", metadata: ["job": "\(job.id)"])
        }
        logger.info("import job finished", metadata: ["job": "\(job.id)", "status": "\(status)", "created": "\(finished.created)"])
        return finished
    }

    /// Stops between batches when the integration was deactivated or the lease was lost.
    private func checkpoint(_ job: ImportJob, heartbeat: @Sendable () async throws -> Bool) async throws {
        guard try await heartbeat() else { throw LeaseLost() }
        guard let integration = try await storage.integration(applicationId: job.applicationId), integration.status == .active else {
            throw Stopped(reason: "integration deactivated")
        }
    }

    private func pendingIds(_ ids: [String], job: ImportJob) async throws -> [String] {
        let done = try await storage.remoteIdsWithResults(jobId: job.id, among: ids)
        return ids.filter { !done.contains($0) }
    }

    private func importBatch(_ users: [SCIMUser], job: ImportJob, application: Application) async throws {
        let done = try await storage.remoteIdsWithResults(jobId: job.id, among: users.compactMap(\.id))
        let candidates = users.filter { !done.contains($0.id ?? "") }.map { candidate($0, job: job, application: application) }
        try await commit(candidates, job: job, application: application)
    }

    private func candidate(_ user: SCIMUser, job: ImportJob, application: Application) -> ImportCandidate {
        ImportCandidate(remoteId: user.id ?? "", userName: user.userName,
                        mapped: UserMapping.map(user, source: ImportRules.source(application, jobId: job.id)))
    }

    /// Commits one batch, unless the integration was deactivated since the batch was read.
    private func commit(_ candidates: [ImportCandidate], job: ImportJob, application: Application) async throws {
        guard !candidates.isEmpty else { return }
        guard let integration = try await storage.integration(applicationId: application.id), integration.status == .active else {
            throw Stopped(reason: "integration deactivated")
        }
        _ = try await storage.commitImportBatch(jobId: job.id, candidates: candidates,
                                                rules: ImportRules.batchRules(application: application, job: job))
    }

    private func begin(_ application: Application, _ selection: ImportSelection, total: Int, by initiator: Initiator) async throws -> ImportJob {
        let job = ImportJob(applicationId: application.id, initiator: initiator, selection: selection, status: .running, total: total)
        try await storage.createJob(job)
        try await recordStart(job, application)
        return job
    }

    private func queue(_ application: Application, _ selection: ImportSelection, total: Int, by initiator: Initiator) async throws -> ImportJob {
        let job = ImportJob(applicationId: application.id, initiator: initiator, selection: selection, status: .queued, total: total)
        try await storage.createJob(job)
        try await recordStart(job, application)
        _ = try await storage.enqueue(kind: ImportWorkerJob.kind, payload: job.id.uuidString.lowercased())
        return job
    }

    private func recordStart(_ job: ImportJob, _ application: Application) async throws {
        try await storage.record(InsightsEvent(
            type: "import_start", initiator: job.initiator,
            resource: .init(type: "import_job", id: job.id.uuidString, name: application.name),
            application: .init(application), importJobId: job.id))
    }

    private func activeIntegration(_ name: String) async throws -> (Application, Integration) {
        let application = try await applications.find(name)
        let integration = try await applications.integration(of: application)
        switch integration.status {
        case .active: break
        case .deactivated:
            throw RosterError.invalid("the integration of \"\(application.name)\" is deactivated: activate it first (roster app activate \(application.name))")
        case .error:
            throw RosterError.invalid("the integration of \"\(application.name)\" is quarantined (\(integration.lastError ?? "too many failed pushes")): fix the application, then release it (roster app release \(application.name))")
        }
        return (application, integration)
    }

    /// What the provider supports, learned once and remembered with the integration.
    private func serviceProvider(_ integration: Integration) async throws -> ServiceProviderConfig {
        if let known = integration.serviceProvider { return known }
        do {
            let config = try await connector.client(for: integration).serviceProviderConfig()
            try await storage.recordConnection(applicationId: integration.applicationId, serviceProvider: config, lastError: nil)
            return config
        } catch { throw RosterError.from(error) }
    }
}

/// The queue entry that runs an import job in the background.
public enum ImportWorkerJob {
    public static let kind = "import"
}
