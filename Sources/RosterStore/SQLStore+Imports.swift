import Foundation
import RosterCore
import SQLKit
import SQLiteKit

extension SQLStore: ImportRepository {
    public func createJob(_ job: ImportJob) async throws {
        try await withDB { db in
            try await db.raw(
                """
                INSERT INTO import_jobs (id, application_id, initiator, initiator_email, selection, status, total,
                  created_count, skipped_count, failed_count, reason, created_at, finished_at, scheduled)
                VALUES (\(bind: job.id.text), \(bind: job.applicationId.text), \(bind: try jsonText(job.initiator)),
                  \(bind: job.initiator.email), \(bind: try jsonText(job.selection)), \(bind: job.status.rawValue),
                  \(bind: job.total), \(bind: job.created), \(bind: job.skipped), \(bind: job.failed),
                    \(bind: job.reason),
                  \(bind: job.createdAt.millis), \(bind: job.finishedAt?.millis),
                  \(bind: try job.trigger.map(jsonText)))
                """
            ).run()
        }
    }

    public func job(id: UUID) async throws -> ImportJob? {
        try await read { db in
            try await db.raw("SELECT * FROM import_jobs WHERE id = \(bind: id.text)").first().map(Self.job)
        }
    }

    public func jobs(limit: Int) async throws -> [ImportJob] {
        try await read { db in
            try await db.raw("SELECT * FROM import_jobs ORDER BY created_at DESC LIMIT \(unsafeRaw: String(limit))")
                .all().map(Self.job)
        }
    }

    public func results(jobId: UUID) async throws -> [ImportResult] {
        try await results(jobId: jobId, after: -1, limit: Int(Int32.max), except: nil).map(\.result)
    }

    public func results(jobId: UUID, after position: Int, limit: Int, except: ImportResult.Outcome?) async throws
        -> [(position: Int, result: ImportResult)]
    {
        try await read { db in
            try await db.raw(
                """
                SELECT * FROM import_results WHERE job_id = \(bind: jobId.text) AND position > \(bind: position)
                  AND outcome <> \(bind: except?.rawValue ?? "")
                ORDER BY position LIMIT \(unsafeRaw: String(limit))
                """
            ).all().map { row in
                (
                    try row.int("position"),
                    ImportResult(
                        remoteId: try row.string("remote_id"), userName: try row.optionalString("user_name"),
                        outcome: .init(rawValue: try row.string("outcome")) ?? .failed,
                        userId: try row.optionalUUID("user_id"), reason: try row.optionalString("reason"))
                )
            }
        }
    }

    public func remoteIdsWithResults(jobId: UUID, among remoteIds: [String]) async throws -> Set<String> {
        try await read { db in try await Self.remoteIdsWithResults(jobId: jobId, among: remoteIds, in: db) }
    }

    static func remoteIdsWithResults(jobId: UUID, among remoteIds: [String], in db: any SQLDatabase) async throws
        -> Set<String>
    {
        var found: Set<String> = []
        for start in stride(from: 0, to: remoteIds.count, by: 1_000) {
            let rows = try await db.raw(
                """
                SELECT remote_id FROM import_results WHERE job_id = \(bind: jobId.text) AND remote_id IN
                  (\(binds: Array(remoteIds[start..<min(start + 1_000, remoteIds.count)])))
                """
            ).all()
            found.formUnion(try rows.map { try $0.string("remote_id") })
        }
        return found
    }

    /// A fresh job's batch is decided at its turn after one lookup of the directory's holders of its
    /// keys, and written in bulk (``ImportBatchWrite``). A resumed job's (and a batch the directory
    /// refused after all) goes the general way: multi-row inserts whose `ON CONFLICT DO NOTHING` says
    /// which users were new; only those that were not are looked up (one query) and resolved, in
    /// order, as inserting them one by one would have.
    public func prepareImportBatch(jobId: UUID, candidates: [ImportCandidate], rules: ImportBatchRules) throws
        -> any PreparedImportBatch
    {
        try ImportBatchWrite(
            jobId: jobId, candidates: candidates, rules: rules,
            postgres: dialect == .postgres && !rules.mayHaveResults && !rules.dryRun)
    }

    public func commitImportBatch(_ prepared: any PreparedImportBatch, rules: ImportBatchRules) async throws
        -> [ImportResult]
    {
        guard let batch = prepared as? ImportBatchWrite else {
            throw StoreError("an import batch readied by another store")
        }
        let jobId = batch.jobId, candidates = batch.candidates
        guard !candidates.isEmpty else { return [] }
        let sqlite = self.sqlite
        let direct = self.direct, onSQLite = dialect == .sqlite
        let allUsers = batch.users, userRows = batch.userRows, eventRows = batch.eventRows
        let ids = allUsers.map(\.id.text)
        if rules.dryRun { return try await dryRun(jobId: jobId, candidates: candidates, rules: rules) }
        if !rules.mayHaveResults {
            if let direct, let results = try await commit(batch, rules: rules, on: direct) { return results }
            if !onSQLite, let results = try await commitInOneStatement(batch, rules: rules) { return results }
        }
        let readyUsers = PreparedInsert(Self.userInsert, userRows, key: "id", sqlite: onSQLite, direct: direct)
        let readyEvents = PreparedInsert(Self.eventInsert, eventRows, sqlite: onSQLite, direct: direct, fresh: true)
        let results = try await sqlTransaction { db in
            let first = try await Self.batchStart(jobId: jobId, rules: rules, in: db)
            // A result already recorded means this remote user was handled before a crash.
            var handled =
                rules.mayHaveResults
                ? try await Self.remoteIdsWithResults(jobId: jobId, among: candidates.map(\.remoteId), in: db) : []
            // The batch as it came unless some were handled: copying each candidate costs.
            let new = candidates.map { handled.insert($0.remoteId).inserted }
            let fresh = new.allSatisfy { $0 } ? candidates : zip(candidates, new).filter { $0.1 }.map { $0.0 }
            let users = fresh.count == candidates.count ? allUsers : fresh.compactMap { try? $0.mapped.get() }
            let inserted =
                users.count == allUsers.count
                ? try await readyUsers.runKeyed(table: "users", keys: ids, in: db, sqlite: sqlite)
                : try await Self.insertNew(users, in: db)
            // The usual batch: every user new and written, none to look up.
            let allWritten = inserted.count == allUsers.count
            func written(_ user: DirectoryUser) -> Bool { allWritten || inserted.contains(user.id.text) }
            let taken =
                allWritten
                ? [] : fresh.filter { candidate in (try? candidate.mapped.get()).map { !written($0) } ?? false }
            let holders = ImportBatch(existing: try await Self.usersSharingIdentity(with: taken, in: db))
            var results: [ImportResult] = []
            results.reserveCapacity(fresh.count)
            for candidate in fresh {
                switch candidate.mapped {
                case .failure(let failure):
                    results.append(candidate.result(.failed, reason: failure.description))
                case .success(let user) where written(user):
                    results.append(candidate.result(.created, userId: user.id))
                case .success(let user):
                    results.append(
                        holders.conflict(for: user).map { rules.resolveConflict(candidate, $0) }
                            ?? candidate.result(.failed, reason: "the directory refused the user"))
                }
            }
            if allWritten {
                _ = try await readyEvents.run(in: db, sqlite: sqlite)
            } else {
                try await Self.insert(users.filter { inserted.contains($0.id.text) }.map(rules.createdEvent), in: db)
            }
            return try await Self.record(
                results, jobId: jobId, from: first, listed: rules.listed, in: db, sqlite: sqlite,
                direct: direct)
        }
        return results
    }

    /// A dry run's batch: what the import would do to each user, recorded, with no user written.
    func dryRun(jobId: UUID, candidates: [ImportCandidate], rules: ImportBatchRules) async throws -> [ImportResult] {
        let sqlite = self.sqlite
        let direct = self.direct
        return try await sqlTransaction { db in
            let first = try await Self.batchStart(jobId: jobId, rules: rules, in: db)
            let handled = try await Self.remoteIdsWithResults(jobId: jobId, among: candidates.map(\.remoteId), in: db)
            let fresh = candidates.filter { !handled.contains($0.remoteId) }
            let holders = ImportBatch(existing: try await Self.usersSharingIdentity(with: fresh, in: db))
            let results = fresh.map { candidate in
                switch candidate.mapped {
                case .failure(let failure):
                    candidate.result(.failed, reason: failure.description)
                case .success(let user):
                    holders.conflict(for: user).map { rules.resolveConflict(candidate, $0) }
                        ?? candidate.result(.new, reason: "dry run: would be created")
                }
            }
            return try await Self.record(
                results, jobId: jobId, from: first, listed: rules.listed, in: db, sqlite: sqlite,
                direct: direct)
        }
    }

    /// Where the batch's results start (the job's results so far), once its integration is known to
    /// be active (`ImportBatchRules.activeIntegration`; else this throws `IntegrationInactive`):
    /// one query, in the batch's transaction.
    static func batchStart(jobId: UUID, rules: ImportBatchRules, in db: any SQLDatabase) async throws -> Int {
        let active: SQLQueryString =
            rules.activeIntegration.map {
                "(SELECT count(*) FROM integrations WHERE application_id = \(bind: $0.text) AND status = "
                    + "\(bind: Integration.Status.active.rawValue))"
            } ?? "1"
        let row = try await db.raw(
            "SELECT created_count + skipped_count + failed_count AS n, status, " + active
                + " AS active FROM import_jobs WHERE id = \(bind: jobId.text)"
        ).first()
        // Results name their job by this check, not by a key (migration 13).
        guard let row else { throw RosterError.notFound("import job \(jobId.text)") }
        if try row.string("status") == ImportJob.Status.cancelled.rawValue { throw ImportCancelled(jobId: jobId) }
        if let application = rules.activeIntegration, try row.int("active") == 0 {
            throw IntegrationInactive(applicationId: application)
        }
        return try row.int("n")
    }

    static let resultInsert =
        "INSERT INTO import_results (job_id, remote_id, position, user_name, outcome, user_id, reason)"

    static func resultRow(_ result: ImportResult, job: String, position: Int) -> [SQLCell] {
        [
            .text(job), .text(result.remoteId), .int(position), .text(result.userName),
            .text(result.outcome.rawValue), .text(result.userId?.text), .text(result.reason),
        ]
    }

    /// Records a batch's results from position `first` on and counts them into the job (with its
    /// total so far, `listed`, if given). A worker that lost its lease may race its successor here:
    /// one result per user wins.
    static func record(
        _ results: [ImportResult], jobId: UUID, from first: Int, listed: Int?, in db: any SQLDatabase,
        sqlite: SQLiteConnection?,
        direct: SQLiteDirect?
    ) async throws -> [ImportResult] {
        let job = jobId.text
        let kept = try await PreparedInsert(
            resultInsert, results.enumerated().map { resultRow($1, job: job, position: first + $0) }, key: "remote_id",
            sqlite: sqlite != nil, direct: direct
        ).runKeyed(table: "import_results", keys: results.map(\.remoteId), in: db, sqlite: sqlite)
        let recorded = results.filter { kept.contains($0.remoteId) }
        let tally = Dictionary(grouping: recorded, by: \.outcome).mapValues(\.count)
        // A dry run's new users count as created: the job says it was a dry run.
        try await db.raw(
            """
            UPDATE import_jobs SET created_count = created_count + \(bind: (tally[.created] ?? 0) + (tally[.new] ?? 0)),
              skipped_count = skipped_count + \(bind: tally[.skipped] ?? 0),
              failed_count = failed_count + \(bind: tally[.failed] ?? 0),
              total = \(unsafeRaw: listed.map(String.init) ?? "total") WHERE id = \(bind: jobId.text)
            """
        ).run()
        return recorded
    }

    /// The directory's users that share an email, a username or a remote identity with a candidate.
    static func usersSharingIdentity(with candidates: [ImportCandidate], in db: any SQLDatabase) async throws
        -> [DirectoryUser]
    {
        let users = candidates.compactMap { try? $0.mapped.get() }
        guard !users.isEmpty else { return [] }
        var found = try await usersMatching(keys: users.flatMap { [$0.email, $0.username] }, in: db)
        for (application, group) in Dictionary(grouping: users, by: { $0.source.applicationId }) {
            guard let application else { continue }
            let remoteIds = group.compactMap(\.source.remoteId)
            for start in stride(from: 0, to: remoteIds.count, by: 1_000) {
                found += try await db.raw(
                    """
                    SELECT \(unsafeRaw: userColumns) FROM users WHERE source_application_id = \(bind: application.text)
                      AND source_remote_id IN (\(binds: Array(remoteIds[start..<min(start + 1_000, remoteIds.count)])))
                    """
                ).all().map(user)
            }
        }
        return found
    }

    /// The existing user that kept `user` out: same remote identity first, then email or username.
    static func conflicting(_ user: DirectoryUser, in db: any SQLDatabase) async throws -> DirectoryUser? {
        if let app = user.source.applicationId?.text, let remote = user.source.remoteId,
            let row = try await db.raw(
                """
                SELECT \(unsafeRaw: userColumns) FROM users WHERE source_application_id = \(bind: app) AND
                  source_remote_id = \(bind: remote)
                """
            ).first()
        {
            return try Self.user(row)
        }
        let matches = try await usersMatching(keys: [user.email, user.username], in: db)
        return matches.first { $0.email.lowercased() == user.email.lowercased() } ?? matches.first
    }

    public func updateJob(id: UUID, status: ImportJob.Status, total: Int?, reason: String?, finishedAt: Date?)
        async throws
    {
        try await withDB { db in
            var query = SQLQueryString("UPDATE import_jobs SET status = \(bind: status.rawValue)")
            if let total { query.appendInterpolation(unsafeRaw: ", total = \(total)") }
            if let reason {
                query.appendInterpolation(unsafeRaw: ", reason = ")
                query.appendInterpolation(bind: reason)
            }
            if let finishedAt { query.appendInterpolation(unsafeRaw: ", finished_at = \(finishedAt.millis)") }
            query.appendInterpolation(unsafeRaw: " WHERE id = ")
            query.appendInterpolation(bind: id.text)
            try await db.raw(query).run()
        }
    }

    static func job(_ row: any SQLRow) throws -> ImportJob {
        ImportJob(
            id: try row.uuid("id"), applicationId: try row.uuid("application_id"),
            initiator: try row.json("initiator", as: Initiator.self),
            selection: try row.json("selection", as: ImportSelection.self),
            status: .init(rawValue: try row.string("status")) ?? .failed, total: try row.int("total"),
            created: try row.int("created_count"), skipped: try row.int("skipped_count"),
            failed: try row.int("failed_count"),
            reason: try row.optionalString("reason"), createdAt: try row.date("created_at"),
            finishedAt: try row.optionalDate("finished_at"),
            trigger: try row.optionalString("scheduled").map {
                try JSONDecoder().decode(ImportTrigger.self, from: Data($0.utf8))
            })
    }
}
