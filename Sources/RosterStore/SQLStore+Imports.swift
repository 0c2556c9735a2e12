import Foundation
import RosterCore
import SQLKit

extension SQLStore: ImportRepository {
    public func createJob(_ job: ImportJob) async throws {
        try await withDB { db in
            try await db.raw(
                """
                INSERT INTO import_jobs (id, application_id, initiator, initiator_email, selection, status, total,
                  created_count, skipped_count, failed_count, reason, created_at, finished_at)
                VALUES (\(bind: job.id.text), \(bind: job.applicationId.text), \(bind: try jsonText(job.initiator)),
                  \(bind: job.initiator.email), \(bind: try jsonText(job.selection)), \(bind: job.status.rawValue),
                  \(bind: job.total), \(bind: job.created), \(bind: job.skipped), \(bind: job.failed),
                    \(bind: job.reason),
                  \(bind: job.createdAt.millis), \(bind: job.finishedAt?.millis))
                """
            ).run()
        }
    }

    public func job(id: UUID) async throws -> ImportJob? {
        try await withDB { db in
            try await db.raw("SELECT * FROM import_jobs WHERE id = \(bind: id.text)").first().map(Self.job)
        }
    }

    public func jobs(limit: Int) async throws -> [ImportJob] {
        try await withDB { db in
            try await db.raw("SELECT * FROM import_jobs ORDER BY created_at DESC LIMIT \(unsafeRaw: String(limit))")
                .all().map(Self.job)
        }
    }

    public func results(jobId: UUID) async throws -> [ImportResult] {
        try await withDB { db in
            try await db.raw("SELECT * FROM import_results WHERE job_id = \(bind: jobId.text) ORDER BY position").all()
                .map { row in
                    ImportResult(
                        remoteId: try row.string("remote_id"), userName: try row.optionalString("user_name"),
                        outcome: .init(rawValue: try row.string("outcome")) ?? .failed,
                        userId: try row.optionalUUID("user_id"), reason: try row.optionalString("reason"))
                }
        }
    }

    public func remoteIdsWithResults(jobId: UUID, among remoteIds: [String]) async throws -> Set<String> {
        guard !remoteIds.isEmpty else { return [] }
        return try await withDB { db in
            let rows = try await db.raw(
                """
                SELECT remote_id FROM import_results WHERE job_id = \(bind: jobId.text) AND remote_id IN
                  (\(binds: remoteIds))
                """
            ).all()
            return Set(try rows.map { try $0.string("remote_id") })
        }
    }

    public func commitImportBatch(jobId: UUID, candidates: [ImportCandidate], rules: ImportBatchRules) async throws
        -> [ImportResult]
    {
        guard !candidates.isEmpty else { return [] }
        return try await transaction { db in
            let counts = try await db.raw(
                "SELECT created_count + skipped_count + failed_count AS n FROM import_jobs WHERE id = "
                    + "\(bind: jobId.text)"
            ).first()
            var position = try counts?.int("n") ?? 0
            var results: [ImportResult] = []
            for candidate in candidates {
                // A result already recorded means this remote user was handled before a crash.
                let done = try await db.raw(
                    "SELECT 1 AS x FROM import_results WHERE job_id = \(bind: jobId.text) AND remote_id = "
                        + "\(bind: candidate.remoteId)"
                ).first()
                if done != nil { continue }
                let result: ImportResult
                switch candidate.mapped {
                case .failure(let failure):
                    result = ImportResult(
                        remoteId: candidate.remoteId, userName: candidate.userName, outcome: .failed,
                        reason: failure.description)
                case .success(let user):
                    if try await Self.insertIfNew(user, in: db) {
                        try await Self.insert(rules.createdEvent(user), in: db)
                        result = ImportResult(
                            remoteId: candidate.remoteId, userName: candidate.userName, outcome: .created,
                            userId: user.id)
                    } else if let existing = try await Self.conflicting(user, in: db) {
                        result = rules.resolveConflict(candidate, existing)
                    } else {
                        result = ImportResult(
                            remoteId: candidate.remoteId, userName: candidate.userName, outcome: .failed,
                            reason: "the directory refused the user")
                    }
                }
                // A worker that lost its lease may race its successor here: one result per user wins.
                let recorded = try await db.raw(
                    """
                    INSERT INTO import_results (job_id, remote_id, position, user_name, outcome, user_id, reason)
                    VALUES (\(bind: jobId.text), \(bind: result.remoteId), \(bind: position), \(bind: result.userName),
                    \(bind: result.outcome.rawValue), \(bind: result.userId?.text), \(bind: result.reason))
                    ON CONFLICT DO NOTHING RETURNING remote_id
                    """
                ).first()
                guard recorded != nil else { continue }
                position += 1
                results.append(result)
            }
            let created = results.filter { $0.outcome == .created }.count
            let skipped = results.filter { $0.outcome == .skipped }.count
            let failed = results.filter { $0.outcome == .failed }.count
            try await db.raw(
                """
                UPDATE import_jobs SET created_count = created_count + \(bind: created), skipped_count = skipped_count +
                  \(bind: skipped),
                failed_count = failed_count + \(bind: failed) WHERE id = \(bind: jobId.text)
                """
            ).run()
            return results
        }
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
            finishedAt: try row.optionalDate("finished_at"))
    }
}
