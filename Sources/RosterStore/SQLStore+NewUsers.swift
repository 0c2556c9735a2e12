import Foundation
import PostgresKit
import RosterCore
import SQLKit

/// An import's batch readied for its usual case, every user new: the rows of the users, of their
/// events and of the results, made before the batch's turn.
struct NewUsersBatch: Sendable {
    let jobId: UUID
    /// SQLite reached directly: the inserts of users and events, prepared once per import.
    let users: PreparedInsert?
    let events: PreparedInsert?
    /// PostgreSQL: the whole batch as one statement, its values encoded for the driver before the
    /// batch's turn (encoding them at the turn, through SQLKit, held the connection a third longer).
    let statement: PostgresQuery?
    /// The results, as recorded when every user is written.
    let results: [ImportResult]
    /// Their rows, positioned from 0: the job's count so far is added in the transaction.
    let resultRows: [[SQLCell]]
    let created: Int

    init(jobId: UUID, candidates: [ImportCandidate], users: PreparedInsert, events: PreparedInsert) {
        self.init(jobId: jobId, candidates: candidates, users: users, events: events) { _, _ in nil }
    }

    /// PostgreSQL: users, events and results inserted, and the job counted, in one statement (one
    /// trip to the server where the general way takes seven, savepoints included).
    init(jobId: UUID, candidates: [ImportCandidate], userRows: [[SQLCell]], eventRows: [[SQLCell]], listed: Int?) {
        self.init(jobId: jobId, candidates: candidates, users: nil, events: nil) { resultRows, created in
            // A batch of users that all failed to map writes results only.
            var inserts: [String] = []
            var binds: [any Encodable & Sendable] = []
            for (head, rows) in [(SQLStore.userInsert, userRows), (SQLStore.eventInsert, eventRows)] where !rows.isEmpty
            {
                let insert = PreparedInsert.arrays(head, rows, after: binds.count)
                inserts.append("i\(inserts.count) AS (\(insert.sql)), ")
                binds += insert.binds
            }
            let results = PreparedInsert.arrays("", resultRows, after: binds.count)
            binds += results.binds
            func bind(_ value: any Encodable & Sendable, as type: String) -> String {
                binds.append(value)
                return "$\(binds.count)::\(type)"
            }
            let counts = [
                bind(Int64(created), as: "bigint"), bind(Int64(resultRows.count - created), as: "bigint"),
                bind(jobId.text, as: "text"),
            ]
            let total = listed.map { ", total = " + bind(Int64($0), as: "bigint") } ?? ""
            // Where these results start: the job's results so far, read before the update below.
            let first = "(SELECT created_count + skipped_count + failed_count FROM import_jobs WHERE id = \(counts[2]))"
            let sql = """
                WITH \(inserts.joined())r AS (\(SQLStore.resultInsert)
                  SELECT s.c0, s.c1, s.c2 + \(first), s.c3, s.c4, s.c5, s.c6 FROM (\(results.sql))
                    AS s(c0, c1, c2, c3, c4, c5, c6))
                UPDATE import_jobs SET created_count = created_count + \(counts[0]),
                  failed_count = failed_count + \(counts[1])\(total) WHERE id = \(counts[2])
                """
            var bindings = PostgresBindings(capacity: binds.count)
            for bind in binds {
                // Every value `arrays` binds is one the driver encodes itself (texts, integers, arrays).
                guard let value = bind as? any PostgresThrowingDynamicTypeEncodable,
                    (try? bindings.append(value, context: .default)) != nil
                else { return nil }
            }
            return PostgresQuery(unsafeSQL: sql, binds: bindings)
        }
    }

    private init(
        jobId: UUID, candidates: [ImportCandidate], users: PreparedInsert?, events: PreparedInsert?,
        statement: (_ resultRows: [[SQLCell]], _ created: Int) -> PostgresQuery?
    ) {
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
        self.statement = statement(resultRows, created)
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
        guard let users = batch.users, let events = batch.events else { return nil }
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
                    // Results name their job by this read, not by a key (migration 13); -1: cancelled.
                    guard
                        let first = try session.integer(
                            """
                            SELECT CASE WHEN status = 'cancelled' THEN -1
                              ELSE created_count + skipped_count + failed_count END FROM import_jobs WHERE id = ?1
                            """,
                            [.text(job)])
                    else { throw RosterError.notFound("import job \(job)") }
                    if first < 0 { throw ImportCancelled(jobId: batch.jobId) }
                    // A result's position: its place in the batch after the job's results so far.
                    guard try users.insertAll(in: session) == true, try events.insertAll(in: session) == true,
                        try session.insertAll(
                            Self.resultInsert, rows: batch.resultRows,
                            constant: PreparedInsert.constantColumns(batch.resultRows), leading: [.int(first)],
                            wrap: [2: "{} + ?1"])
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

extension SQLStore {
    /// PostgreSQL: the usual batch of an import as its one statement, after the read of its job and
    /// integration. Answers nil, having written nothing, when a user or a result was there already:
    /// the batch then goes the general way, which resolves each.
    func commitInOneStatement(_ batch: NewUsersBatch, rules: ImportBatchRules) async throws -> [ImportResult]? {
        guard let statement = batch.statement, let postgres else { return nil }
        let begin = dialect.beginTransaction, logger = self.logger
        return try await postgres.withConnection { connection in
            connection.eventLoop.makeFutureWithTask { () async throws -> [ImportResult]? in
                let db = connection.sql(queryLogLevel: .trace)
                try await db.raw(SQLQueryString(begin)).run()
                do {
                    _ = try await Self.batchStart(jobId: batch.jobId, rules: rules, in: db)
                    try await connection.query(statement, logger: logger)
                    try await db.raw("COMMIT").run()
                    rules.committed()
                    return batch.results
                } catch  where isUniqueViolation(error) {
                    try? await db.raw("ROLLBACK").run()
                    return nil
                } catch {
                    try? await db.raw("ROLLBACK").run()
                    throw error
                }
            }
        }.get()
    }
}

extension ImportCandidate {
    /// This candidate's result.
    func result(_ outcome: ImportResult.Outcome, userId: UUID? = nil, reason: String? = nil) -> ImportResult {
        ImportResult(remoteId: remoteId, userName: userName, outcome: outcome, userId: userId, reason: reason)
    }
}
