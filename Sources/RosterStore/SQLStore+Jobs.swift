import Foundation
import RosterCore
import SQLKit

extension SQLStore: JobQueue {
    public func enqueue(kind: String, payload: String) async throws -> UUID {
        let id = UUID()
        let now = Date().millis
        try await withDB { db in
            try await db.raw("""
                INSERT INTO jobs (id, kind, payload, status, run_after, attempts, created)
                VALUES (\(bind: id.text), \(bind: kind), \(bind: payload), 'queued', \(bind: now), 0, \(bind: now))
                """).run()
        }
        return id
    }

    public func enqueueOnce(kind: String, payload: String, held: Bool) async throws {
        let now = Date().millis
        let status = held ? "held" : "queued"
        try await transaction { db in
            let waiting = try await db.raw("""
                SELECT id, status FROM jobs WHERE kind = \(bind: kind) AND payload = \(bind: payload) AND status IN ('queued', 'held')
                """).first()
            if let waiting {
                if held, try waiting.string("status") == "queued" {
                    try await db.raw("UPDATE jobs SET status = 'held' WHERE id = \(bind: try waiting.string("id"))").run()
                }
                return
            }
            try await db.raw("""
                INSERT INTO jobs (id, kind, payload, status, run_after, attempts, created)
                VALUES (\(bind: UUID().text), \(bind: kind), \(bind: payload), \(bind: status), \(bind: now), 0, \(bind: now))
                """).run()
        }
    }

    public func hold(jobId: UUID, owner: String, reason: String) async throws {
        try await withDB { db in
            try await db.raw("""
                UPDATE jobs SET status = 'held', last_error = \(bind: reason), lease_owner = NULL, lease_until = NULL
                WHERE id = \(bind: jobId.text) AND lease_owner = \(bind: owner)
                """).run()
        }
    }

    public func releaseHeld(payloadPrefix: String) async throws -> Int {
        let now = Date().millis
        return try await withDB { db in
            try await db.raw("""
                UPDATE jobs SET status = 'queued', run_after = \(bind: now), attempts = 0
                WHERE status = 'held' AND payload LIKE \(bind: payloadPrefix + "%") RETURNING id
                """).all().count
        }
    }

    public func cancelQueued(kind: String, payloadPrefix: String, error: String) async throws -> [QueuedJob] {
        try await withDB { db in
            try await db.raw("""
                UPDATE jobs SET status = 'failed', last_error = \(bind: error)
                WHERE kind = \(bind: kind) AND status IN ('queued', 'held') AND payload LIKE \(bind: payloadPrefix + "%")
                RETURNING id, kind, payload, attempts
                """).all().map { row in
                QueuedJob(id: try row.uuid("id"), kind: try row.string("kind"), payload: try row.string("payload"), attempts: try row.int("attempts"))
            }
        }
    }

    public func retry(jobId: UUID, owner: String, error: String, delaySeconds: Int) async throws {
        let at = Date().millis + Int64(delaySeconds) * 1000
        try await withDB { db in
            try await db.raw("""
                UPDATE jobs SET status = 'queued', last_error = \(bind: error), run_after = \(bind: at), lease_owner = NULL, lease_until = NULL
                WHERE id = \(bind: jobId.text) AND lease_owner = \(bind: owner)
                """).run()
        }
    }

    public func queue(limit: Int) async throws -> [QueuedJobStatus] {
        try await withDB { db in
            try await db.raw("SELECT * FROM jobs ORDER BY created DESC LIMIT \(unsafeRaw: String(limit))").all().map { row in
                QueuedJobStatus(
                    job: QueuedJob(id: try row.uuid("id"), kind: try row.string("kind"), payload: try row.string("payload"),
                                   attempts: try row.int("attempts")),
                    status: try row.string("status"), leaseOwner: try row.optionalString("lease_owner"),
                    leaseUntil: try row.optionalDate("lease_until"), lastError: try row.optionalString("last_error"))
            }
        }
    }

    public func claim(owner: String, leaseSeconds: Int) async throws -> QueuedJob? {
        let now = Date().millis
        let until = now + Int64(leaseSeconds) * 1000
        return try await transaction { db in
            // A running job whose lease ran out belonged to a worker that died: take it over.
            let row = try await db.raw("""
                UPDATE jobs SET status = 'running', lease_owner = \(bind: owner), lease_until = \(bind: until),
                  attempts = attempts + 1
                WHERE id = (SELECT id FROM jobs WHERE (status = 'queued' AND run_after <= \(bind: now))
                  OR (status = 'running' AND lease_until < \(bind: now)) ORDER BY created LIMIT 1\(unsafeRaw: self.dialect.skipLocked))
                RETURNING id, kind, payload, attempts
                """).first()
            return try row.map { row in
                QueuedJob(id: try row.uuid("id"), kind: try row.string("kind"), payload: try row.string("payload"),
                          attempts: try row.int("attempts"))
            }
        }
    }

    public func renew(jobId: UUID, owner: String, leaseSeconds: Int) async throws -> Bool {
        let until = Date().millis + Int64(leaseSeconds) * 1000
        return try await withDB { db in
            try await db.raw("""
                UPDATE jobs SET lease_until = \(bind: until)
                WHERE id = \(bind: jobId.text) AND lease_owner = \(bind: owner) AND status = 'running' RETURNING id
                """).first() != nil
        }
    }

    public func finish(jobId: UUID, owner: String, error: String?) async throws {
        try await withDB { db in
            try await db.raw("""
                UPDATE jobs SET status = \(bind: error == nil ? "done" : "failed"), last_error = \(bind: error), lease_until = NULL
                WHERE id = \(bind: jobId.text) AND lease_owner = \(bind: owner)
                """).run()
        }
    }
}
