import Foundation
import RosterCore
import SQLKit

extension SQLStore: JobQueue {
    public func enqueue(_ payload: JobPayload) async throws -> UUID {
        let id = UUID.random()
        try await withDB { [now] db in try await Self.insertJob(id: id, payload, status: "queued", at: now, in: db) }
        return id
    }

    static func insertJob(id: UUID, _ payload: JobPayload, status: String, at time: Date, in db: any SQLDatabase)
        async throws
    {
        let now = time.millis
        try await db.raw(
            """
            INSERT INTO jobs (id, kind, payload, application_id, status, run_after, attempts, created)
            VALUES (\(bind: id.text), \(bind: payload.kind.rawValue), \(bind: payload.encoded()),
              \(bind: payload.applicationId?.text),
              \(bind: status), \(bind: now), 0, \(bind: now))
            """
        ).run()
    }

    public func enqueueOnce(_ payload: JobPayload, held: Bool) async throws {
        try await sqlTransaction { db in
            if self.dialect == .postgres {
                // Under READ COMMITTED two instances could both find no waiting job and insert one each:
                // the same payload takes turns (SQLite's IMMEDIATE transaction already holds its one lock).
                let key = payload.kind.rawValue + payload.encoded()
                try await db.raw("SELECT pg_advisory_xact_lock(7241709, hashtext(\(bind: key)))").run()
            }
            let waiting = try await db.raw(
                """
                SELECT id, status FROM jobs WHERE kind = \(bind: payload.kind.rawValue) AND payload =
                  \(bind: payload.encoded())
                AND status IN ('queued', 'held')
                """
            ).first()
            if let waiting {
                if held, try waiting.string("status") == "queued" {
                    try await db.raw("UPDATE jobs SET status = 'held' WHERE id = \(bind: try waiting.string("id"))")
                        .run()
                }
                return
            }
            try await Self.insertJob(id: UUID.random(), payload, status: held ? "held" : "queued", at: self.now, in: db)
        }
    }

    public func hold(jobId: UUID, owner: String, reason: String) async throws {
        try await withDB { db in
            try await db.raw(
                """
                UPDATE jobs SET status = 'held', last_error = \(bind: reason), lease_owner = NULL, lease_until = NULL
                WHERE id = \(bind: jobId.text) AND lease_owner = \(bind: owner)
                """
            ).run()
        }
    }

    public func releaseHeld(applicationId: UUID) async throws -> Int {
        let now = self.now.millis
        return try await withDB { db in
            try await db.raw(
                """
                UPDATE jobs SET status = 'queued', run_after = \(bind: now), attempts = 0
                WHERE status = 'held' AND application_id = \(bind: applicationId.text) RETURNING id
                """
            ).all().count
        }
    }

    public func cancelQueued(kinds: Set<JobKind>, applicationId: UUID, error: String) async throws -> [QueuedJob] {
        guard !kinds.isEmpty else { return [] }
        return try await withDB { db in
            try await db.raw(
                """
                UPDATE jobs SET status = 'failed', last_error = \(bind: error)
                WHERE kind IN (\(binds: kinds.map(\.rawValue))) AND status IN ('queued', 'held')
                AND application_id = \(bind: applicationId.text)
                RETURNING id, kind, payload, attempts, takeovers
                """
            ).all().map(Self.queuedJob)
        }
    }

    public func retry(jobId: UUID, owner: String, error: String, delay: Duration) async throws {
        let at = now.millis + delay.milliseconds
        try await withDB { db in
            try await db.raw(
                """
                UPDATE jobs SET status = 'queued', last_error = \(bind: error), run_after = \(bind: at), lease_owner =
                  NULL,
                  lease_until = NULL
                WHERE id = \(bind: jobId.text) AND lease_owner = \(bind: owner)
                """
            ).run()
        }
    }

    public func queue(limit: Int) async throws -> [QueuedJobStatus] {
        try await read { db in
            try await db.raw("SELECT * FROM jobs ORDER BY created DESC LIMIT \(bind: limit)").all().map(Self.status)
        }
    }

    public func pendingCount(kind: JobKind, applicationId: UUID) async throws -> Int {
        try await read { db in
            try await db.raw(
                """
                SELECT count(*) AS n FROM jobs WHERE application_id = \(bind: applicationId.text)
                  AND status IN ('queued', 'running') AND kind = \(bind: kind.rawValue)
                """
            ).first()?.int("n") ?? 0
        }
    }

    public func queueDepth() async throws -> [QueueDepth] {
        try await read { db in
            try await db.raw(
                """
                SELECT kind, count(*) AS n, min(created) AS oldest FROM jobs WHERE status IN ('queued', 'held',
                  'running')
                GROUP BY kind
                """
            ).all().map { row in
                QueueDepth(
                    kind: try row.string("kind"), waiting: try row.int("n"), oldest: try row.optionalDate("oldest"))
            }
        }
    }

    public func claim(owner: String, lease: Duration, kinds: Set<JobKind>) async throws -> QueuedJob? {
        guard !kinds.isEmpty else { return nil }
        let now = self.now.millis
        let until = now + lease.milliseconds
        return try await sqlTransaction { db in
            if let claimLock = self.dialect.claimLock { try await db.raw("\(unsafeRaw: claimLock)").run() }
            // A running job whose lease ran out belonged to a worker that died: take it over.
            return try await db.raw(
                """
                UPDATE jobs SET lease_owner = \(bind: owner), lease_until = \(bind: until),
                  attempts = attempts + 1,
                  -- Taken from a worker whose lease ran out while it ran: its process died under it.
                  takeovers = takeovers + CASE WHEN status = 'running' THEN 1 ELSE 0 END, status = 'running'
                WHERE id = (SELECT j.id FROM jobs j WHERE j.kind IN (\(binds: kinds.map(\.rawValue)))
                  AND ((j.status = 'queued' AND j.run_after <= \(bind: now)) OR (j.status = 'running' AND
                    j.lease_until < \(bind: now)))
                  -- Never the same work twice at once: workers run several jobs side by side.
                  AND NOT EXISTS (SELECT 1 FROM jobs r WHERE r.status = 'running' AND r.lease_until >= \(bind: now)
                    AND r.kind = j.kind AND r.payload = j.payload AND r.id <> j.id)
                  ORDER BY j.created LIMIT 1\(unsafeRaw: self.dialect.skipLocked))
                RETURNING id, kind, payload, attempts, takeovers
                """
            ).first().map(Self.queuedJob)
        }
    }

    public func putDown(jobId: UUID, owner: String) async throws {
        try await withDB { db in
            try await db.raw(
                """
                UPDATE jobs SET status = 'queued', attempts = attempts - 1, lease_owner = NULL, lease_until = NULL
                WHERE id = \(bind: jobId.text) AND lease_owner = \(bind: owner) AND status = 'running'
                """
            ).run()
        }
    }

    public func renew(jobId: UUID, owner: String, lease: Duration) async throws -> Bool {
        let until = now.millis + lease.milliseconds
        return try await withDB { db in
            try await db.raw(
                """
                UPDATE jobs SET lease_until = \(bind: until)
                WHERE id = \(bind: jobId.text) AND lease_owner = \(bind: owner) AND status = 'running' RETURNING id
                """
            ).first() != nil
        }
    }

    public func finish(jobId: UUID, owner: String, error: String?) async throws {
        try await withDB { db in
            try await db.raw(
                """
                UPDATE jobs SET status = \(bind: error == nil ? "done" : "failed"), last_error = \(bind: error),
                  lease_until = NULL
                WHERE id = \(bind: jobId.text) AND lease_owner = \(bind: owner)
                """
            ).run()
        }
    }

    static func queuedJob(_ row: any SQLRow) throws -> QueuedJob {
        QueuedJob(
            id: try row.uuid("id"), kind: try row.string("kind"), encodedPayload: try row.string("payload"),
            attempts: try row.int("attempts"), takeovers: try row.int("takeovers"))
    }

    public func queuedJob(id: UUID) async throws -> QueuedJobStatus? {
        try await read { db in
            try await db.raw("SELECT * FROM jobs WHERE id = \(bind: id.text)").first().map(Self.status)
        }
    }

    public func cancel(jobId: UUID, reason: String) async throws -> Bool {
        try await withDB { [now] db in
            try await db.raw(
                """
                UPDATE jobs SET status = 'cancelled', last_error = \(bind: reason), lease_owner = NULL,
                  lease_until = NULL, run_after = \(bind: now.millis)
                WHERE id = \(bind: jobId.text) AND status IN ('queued', 'held', 'running') RETURNING id
                """
            ).first() != nil
        }
    }

    static func status(_ row: any SQLRow) throws -> QueuedJobStatus {
        QueuedJobStatus(
            job: try queuedJob(row), status: try row.string("status"),
            leaseOwner: try row.optionalString("lease_owner"),
            leaseUntil: try row.optionalDate("lease_until"), lastError: try row.optionalString("last_error"),
            runAfter: try row.optionalDate("run_after"), created: try row.optionalDate("created"))
    }
}
