import Foundation
import RosterCore

/// An import's batch readied for its usual case, every user new: the rows of the users, of their
/// events and of the results, made before the batch's turn.
struct NewUsersBatch: Sendable {
    let jobId: UUID
    let users: PreparedInsert
    let events: PreparedInsert
    /// The results, as recorded when every user is written.
    let results: [ImportResult]
    /// Their rows, positioned from 0: the job's count so far is added in the transaction.
    let resultRows: [[SQLCell]]
    let created: Int

    init(jobId: UUID, candidates: [ImportCandidate], users: PreparedInsert, events: PreparedInsert) {
        self.jobId = jobId
        self.users = users
        self.events = events
        results = candidates.map { candidate in
            switch candidate.mapped {
            case .failure(let failure): candidate.result(.failed, reason: failure.description)
            case .success(let user): candidate.result(.created, userId: user.id)
            }
        }
        let job = jobId.text
        resultRows = results.enumerated().map { SQLStore.resultRow($1, job: job, position: $0) }
        created = results.count { $0.outcome == .created }
    }
}

extension SQLStore {
    /// SQLite: the usual batch of an import in one transaction run on SQLite's thread, statement
    /// after statement, each prepared once for the whole import. Answers nil, having written
    /// nothing, when a user was not new or a result was there already (a worker that lost its lease
    /// racing its successor): the batch then goes the general way, which resolves each.
    func commit(_ batch: NewUsersBatch, rules: ImportBatchRules, on direct: SQLiteDirect) async throws
        -> [ImportResult]?
    {
        let begin = dialect.beginTransaction
        let job = batch.jobId.text
        let listed = rules.listed, application = rules.activeIntegration, committed = rules.committed
        return try await withDB { _ in
            try await direct.run { session in
                try session.execute(begin)
                do {
                    if let application,
                        try session.integer(
                            "SELECT count(*) FROM integrations WHERE application_id = ?1 AND status = ?2",
                            [.text(application.text), .text(Integration.Status.active.rawValue)]) == 0
                    {
                        throw IntegrationInactive(applicationId: application)
                    }
                    // Results name their job by this read, not by a key (migration 13).
                    guard
                        let first = try session.integer(
                            "SELECT created_count + skipped_count + failed_count FROM import_jobs WHERE id = ?1",
                            [.text(job)])
                    else { throw RosterError.notFound("import job \(job)") }
                    guard try batch.users.insert(in: session, untilSkipped: true)?.allSatisfy({ $0 }) == true,
                        try batch.events.insert(in: session) != nil,
                        try session.insert(
                            "\(Self.resultInsert) VALUES (?1, ?2, ?3 + ?8, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING",
                            rows: batch.resultRows, constant: PreparedInsert.constantColumns(batch.resultRows),
                            shared: [.int(first)], untilSkipped: true
                        ).allSatisfy({ $0 })
                    else {
                        try session.execute("ROLLBACK")
                        return nil
                    }
                    try session.execute(
                        """
                        UPDATE import_jobs SET created_count = created_count + ?1, failed_count = failed_count + ?2,
                          total = coalesce(?3, total) WHERE id = ?4
                        """,
                        [
                            .int(batch.created), .int(batch.results.count - batch.created),
                            .int(listed.map(Int64.init)),
                            .text(job),
                        ])
                    try session.execute("COMMIT")
                    committed()
                    return batch.results
                } catch {
                    try? session.execute("ROLLBACK")
                    throw error
                }
            }
        }
    }
}

extension ImportCandidate {
    /// This candidate's result.
    func result(_ outcome: ImportResult.Outcome, userId: UUID? = nil, reason: String? = nil) -> ImportResult {
        ImportResult(remoteId: remoteId, userName: userName, outcome: outcome, userId: userId, reason: reason)
    }
}
