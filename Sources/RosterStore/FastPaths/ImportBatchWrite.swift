import Foundation
import PostgresKit
import RosterCore
import SQLKit

/// An import's batch, readied before its turn: its users' rows and their events' rows, made while
/// the batch before commits. At its turn one lookup finds the directory's users holding any of the
/// batch's emails, usernames and remote identities; then every candidate is decided in memory, in
/// order, as inserting them one by one would decide (``resolve(holders:rules:)``), and the users to
/// create, their events and every result are written in bulk. A page full of users that cannot be
/// imported costs what a clean one does.
struct ImportBatchWrite: PreparedImportBatch {
    let jobId: UUID
    let candidates: [ImportCandidate]
    /// The candidates that mapped to a directory user, in order, with their rows.
    let users: [DirectoryUser]
    let userRows: [[SQLCell]]
    let eventRows: [[SQLCell]]
    /// PostgreSQL: the batch's one statement when no directory user holds a key of the batch (the
    /// usual case), its values encoded for the driver before the turn.
    let statement: PostgresQuery?
    /// The results and the users written when no directory user holds a key of the batch.
    let usual: Decision

    struct Decision: Sendable {
        let results: [ImportResult]
        /// Indexes into `users` of those to write.
        let written: [Int]
        var created: Int { written.count }
    }

    init(jobId: UUID, candidates: [ImportCandidate], rules: ImportBatchRules, postgres: Bool) throws {
        self.jobId = jobId
        self.candidates = candidates
        users = candidates.compactMap { try? $0.mapped.get() }
        userRows = try users.map(SQLStore.rowValues)
        eventRows = users.map { SQLStore.eventRow(rules.createdEvent($0)) }
        usual = Self.resolve(candidates, holders: [], rules: rules)
        statement =
            postgres && !candidates.isEmpty
            ? Self.statement(jobId: jobId, usual, userRows, eventRows, listed: rules.listed) : nil
    }

    /// Each candidate's result and the users to write, given the directory's users that hold a key of
    /// the batch: a candidate another holds (in the directory, or earlier in the batch) is resolved by
    /// the import's rules; one remote user listed twice gets the first result only.
    func resolve(holders: [DirectoryUser], rules: ImportBatchRules) -> Decision {
        holders.isEmpty ? usual : Self.resolve(candidates, holders: holders, rules: rules)
    }

    private static func resolve(_ candidates: [ImportCandidate], holders: [DirectoryUser], rules: ImportBatchRules)
        -> Decision
    {
        var claimed = ImportBatch(existing: holders)
        var results: [ImportResult] = []
        results.reserveCapacity(candidates.count)
        var written: [Int] = []
        written.reserveCapacity(candidates.count)
        var recorded = Set<String>(minimumCapacity: candidates.count)
        var next = 0
        for candidate in candidates {
            let result: ImportResult
            switch candidate.mapped {
            case .failure(let failure):
                result = candidate.result(.failed, reason: failure.description)
            case .success(let user):
                defer { next += 1 }
                if let holder = claimed.claimUnlessHeld(user) {
                    result = rules.resolveConflict(candidate, holder)
                } else {
                    written.append(next)
                    result = candidate.result(.created, userId: user.id)
                }
            }
            if recorded.insert(candidate.remoteId).inserted { results.append(result) }
        }
        return Decision(results: results, written: written)
    }

    /// The rows of `decision`'s users and of their events.
    func rows(_ decision: Decision) -> (users: [[SQLCell]], events: [[SQLCell]]) {
        if decision.written.count == users.count { return (userRows, eventRows) }
        return (decision.written.map { userRows[$0] }, decision.written.map { eventRows[$0] })
    }

    /// Rows of results, positioned from 0: the job's count so far is added in the transaction.
    static func resultRows(_ results: [ImportResult], job: UUID) -> [[SQLCell]] {
        let job = job.text
        return results.enumerated().map { SQLStore.resultRow($1, job: job, position: $0) }
    }

    /// PostgreSQL: users, events and results inserted, and the job counted, in one statement (one
    /// trip to the server where the general way takes seven, savepoints included).
    static func statement(
        jobId: UUID, _ decision: Decision, _ userRows: [[SQLCell]], _ eventRows: [[SQLCell]], listed: Int?
    ) -> PostgresQuery? {
        let written =
            decision.written.count == userRows.count
            ? (userRows, eventRows) : (decision.written.map { userRows[$0] }, decision.written.map { eventRows[$0] })
        let resultRows = resultRows(decision.results, job: jobId)
        // A batch whose users all failed or were known writes results only.
        var inserts: [String] = []
        var binds: [any Encodable & Sendable] = []
        for (head, rows) in [(SQLStore.userInsert, written.0), (SQLStore.eventInsert, written.1)] where !rows.isEmpty {
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
        let tally = Tally(decision.results)
        let counts = [
            bind(Int64(tally.created), as: "bigint"), bind(Int64(tally.skipped), as: "bigint"),
            bind(Int64(tally.failed), as: "bigint"), bind(jobId.text, as: "text"),
        ]
        let total = listed.map { ", total = " + bind(Int64($0), as: "bigint") } ?? ""
        // Where these results start: the job's results so far, read before the update below.
        let first = "(SELECT created_count + skipped_count + failed_count FROM import_jobs WHERE id = \(counts[3]))"
        let sql = """
            WITH \(inserts.joined())r AS (\(SQLStore.resultInsert)
              SELECT s.c0, s.c1, s.c2 + \(first), s.c3, s.c4, s.c5, s.c6 FROM (\(results.sql))
                AS s(c0, c1, c2, c3, c4, c5, c6))
            UPDATE import_jobs SET created_count = created_count + \(counts[0]),
              skipped_count = skipped_count + \(counts[1]), failed_count = failed_count + \(counts[2])\(total)
              WHERE id = \(counts[3])
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

/// A batch's results counted by outcome (a dry run's new users count as created).
struct Tally {
    var created = 0, skipped = 0, failed = 0

    init(_ results: [ImportResult]) {
        for result in results {
            switch result.outcome {
            case .created, .new: created += 1
            case .skipped: skipped += 1
            case .failed: failed += 1
            }
        }
    }
}

extension SQLStore {
    /// SQLite: a fresh job's batch in one transaction run on SQLite's thread, statement after
    /// statement. Answers nil, having written nothing, when the directory refused a row the lookup
    /// said was free (a result there already: a worker that lost its lease racing its successor);
    /// the batch then goes the general way.
    func commit(_ batch: ImportBatchWrite, rules: ImportBatchRules, on direct: SQLiteDirect) async throws
        -> [ImportResult]?
    {
        let begin = dialect.beginTransaction
        let job = batch.jobId.text
        let listed = rules.listed, application = rules.activeIntegration
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
                    let decision = batch.resolve(holders: try Self.holders(of: batch.users, in: session), rules: rules)
                    let (users, events) = batch.rows(decision)
                    let results = ImportBatchWrite.resultRows(decision.results, job: batch.jobId)
                    // A result's position: its place in the batch after the job's results so far.
                    guard
                        try users.isEmpty
                            || session.insertAll(
                                Self.userInsert, rows: users, constant: PreparedInsert.constantColumns(users)),
                        try events.isEmpty
                            || session.insertAll(
                                Self.eventInsert, rows: events, constant: PreparedInsert.constantColumns(events)),
                        try results.isEmpty
                            || session.insertAll(
                                Self.resultInsert, rows: results, constant: PreparedInsert.constantColumns(results),
                                leading: [.int(first)], wrap: [2: "{} + ?1"])
                    else {
                        try session.execute("ROLLBACK")
                        return nil
                    }
                    let tally = Tally(decision.results)
                    try session.execute(
                        """
                        UPDATE import_jobs SET created_count = created_count + ?1, skipped_count = skipped_count + ?2,
                          failed_count = failed_count + ?3, total = coalesce(?4, total) WHERE id = ?5
                        """,
                        [
                            .int(tally.created), .int(tally.skipped), .int(tally.failed),
                            .int(listed.map(Int64.init)), .text(job),
                        ])
                    try session.execute("COMMIT")
                    return decision.results
                } catch {
                    try? session.execute("ROLLBACK")
                    throw error
                }
            }
        }
    }

    /// Users the lookup asks about per statement: its text is the same for every chunk (the last
    /// padded with NULL, which matches nothing), so it is prepared once.
    static let holdersPerLookup = 250

    /// The directory's users holding an email, a username or a remote identity of `users` (all of
    /// one application), in one indexed lookup per ``holdersPerLookup`` users.
    static func holders(of users: [DirectoryUser], in session: SQLiteDirect.Session) throws -> [DirectoryUser] {
        guard let application = users.first?.source.applicationId else { return [] }
        let n = holdersPerLookup
        func list(from: Int) -> String { (from..<from + n).map { "?\($0)" }.joined(separator: ", ") }
        let sql = """
            SELECT \(userColumns) FROM users WHERE email_key IN (\(list(from: 2))) OR username_key IN
              (\(list(from: 2 + n))) OR (source_application_id = ?1 AND source_remote_id IN (\(list(from: 2 + 2 * n))))
            """
        var found: [DirectoryUser] = []
        for start in stride(from: 0, to: users.count, by: n) {
            let chunk = users[start..<min(start + n, users.count)]
            let padding = [SQLCell](repeating: .text(nil), count: n - chunk.count)
            let binds: [SQLCell] =
                [.text(application.text)] + chunk.map { .text($0.email.lowercased()) } + padding
                + chunk.map { .text($0.username.lowercased()) } + padding + chunk.map { .text($0.source.remoteId) }
                + padding
            found += try session.rows(sql, binds).map(user)
        }
        return found
    }

    /// PostgreSQL: a fresh job's batch as one statement, after one read of its job and integration
    /// and one lookup of the batch's keys. Answers nil, having written nothing, when the directory
    /// refused a row the lookup said was free (a writer racing this one): the batch then goes the
    /// general way.
    func commitInOneStatement(_ batch: ImportBatchWrite, rules: ImportBatchRules) async throws -> [ImportResult]? {
        guard let postgres else { return nil }
        let begin = dialect.beginTransaction, logger = self.logger
        return try await postgres.withConnection { connection in
            connection.eventLoop.makeFutureWithTask { () async throws -> [ImportResult]? in
                let db = connection.sql(queryLogLevel: .trace)
                try await db.raw(SQLQueryString(begin)).run()
                do {
                    _ = try await Self.batchStart(jobId: batch.jobId, rules: rules, in: db)
                    let holders = try await Self.holders(of: batch.users, in: db)
                    let decision = batch.resolve(holders: holders, rules: rules)
                    let statement =
                        holders.isEmpty
                        ? batch.statement
                        : ImportBatchWrite.statement(
                            jobId: batch.jobId, decision, batch.userRows, batch.eventRows, listed: rules.listed)
                    guard let statement else {
                        try await db.raw("ROLLBACK").run()
                        return nil
                    }
                    try await connection.query(statement, logger: logger)
                    try await db.raw("COMMIT").run()
                    return decision.results
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

    /// PostgreSQL: ``holders(of:in:)-(_,SQLiteDirect.Session)`` in one statement of arrays.
    static func holders(of users: [DirectoryUser], in db: any SQLDatabase) async throws -> [DirectoryUser] {
        guard let application = users.first?.source.applicationId else { return [] }
        return try await db.raw(
            """
            SELECT \(unsafeRaw: userColumns) FROM users
              WHERE email_key = ANY(\(bind: users.map { $0.email.lowercased() }))
              OR username_key = ANY(\(bind: users.map { $0.username.lowercased() }))
              OR (source_application_id = \(bind: application.text)
                AND source_remote_id = ANY(\(bind: users.compactMap(\.source.remoteId))))
            """
        ).all().map(user)
    }
}

extension ImportCandidate {
    /// This candidate's result.
    func result(_ outcome: ImportResult.Outcome, userId: UUID? = nil, reason: String? = nil) -> ImportResult {
        ImportResult(remoteId: remoteId, userName: userName, outcome: outcome, userId: userId, reason: reason)
    }
}
