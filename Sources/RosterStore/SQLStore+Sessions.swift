import Foundation
import RosterCore
import SQLKit

extension SQLStore: SessionRepository {
    public func createSession(_ s: AdminSession) async throws {
        try await withDB { db in
            try await db.raw(
                """
                INSERT INTO admin_sessions (token_hash, administrator_id, csrf_token, created, expires,
                  absolute_expires,
                  client_ip, stage)
                VALUES (\(bind: s.tokenHash), \(bind: s.administratorId.text), \(bind: s.csrfToken),
                  \(bind: s.created.millis),
                  \(bind: s.expires.millis), \(bind: s.absoluteExpires.millis), \(bind: s.clientIp),
                    \(bind: s.stage.rawValue))
                """
            ).run()
            // Sweeping here keeps the table small without another background task.
            try await db.raw(
                """
                DELETE FROM admin_sessions WHERE expires < \(bind: s.created.millis) OR absolute_expires <
                  \(bind: s.created.millis)
                """
            ).run()
        }
    }

    public func session(tokenHash: String) async throws -> AdminSession? {
        try await read { db in
            try await db.raw("SELECT * FROM admin_sessions WHERE token_hash = \(bind: tokenHash)").first().map { row in
                AdminSession(
                    tokenHash: try row.string("token_hash"), administratorId: try row.uuid("administrator_id"),
                    csrfToken: try row.string("csrf_token"), created: try row.date("created"),
                    expires: try row.date("expires"), absoluteExpires: try row.date("absolute_expires"),
                    clientIp: try row.optionalString("client_ip"),
                    stage: AdminSession.Stage(rawValue: try row.string("stage")) ?? .secondFactor)
            }
        }
    }

    public func extendSession(tokenHash: String, expires: Date) async throws {
        try await withDB { db in
            try await db.raw(
                "UPDATE admin_sessions SET expires = \(bind: expires.millis) WHERE token_hash = \(bind: tokenHash)"
            ).run()
        }
    }

    public func setSessionStage(tokenHash: String, stage: AdminSession.Stage) async throws {
        try await withDB { db in
            try await db.raw(
                "UPDATE admin_sessions SET stage = \(bind: stage.rawValue) WHERE token_hash = \(bind: tokenHash)"
            ).run()
        }
    }

    public func deleteSession(tokenHash: String) async throws {
        try await withDB { db in
            try await db.raw("DELETE FROM admin_sessions WHERE token_hash = \(bind: tokenHash)").run()
        }
    }

    public func deleteSessions(administratorId: UUID) async throws {
        try await withDB { db in
            try await db.raw("DELETE FROM admin_sessions WHERE administrator_id = \(bind: administratorId.text)").run()
        }
    }

    public func countSignInAttempt(key: String, now: Date, window: TimeInterval) async throws
        -> (attempts: Int, lockedUntil: Date?)
    {
        let windowStart = now.addingTimeInterval(-window).millis
        return try await withDB { db in
            // One statement, so attempts counted by several requests or instances at once all add up.
            let row = try await db.raw(
                """
                INSERT INTO sign_in_throttle (throttle_key, attempts, window_start) VALUES (\(bind: key), 1,
                  \(bind: now.millis))
                ON CONFLICT (throttle_key) DO UPDATE SET
                  attempts = CASE WHEN sign_in_throttle.window_start < \(bind: windowStart)
                    AND (sign_in_throttle.locked_until IS NULL OR sign_in_throttle.locked_until < \(bind: now.millis))
                    THEN 1 ELSE sign_in_throttle.attempts + 1 END,
                  window_start = CASE WHEN sign_in_throttle.window_start < \(bind: windowStart)
                    AND (sign_in_throttle.locked_until IS NULL OR sign_in_throttle.locked_until < \(bind: now.millis))
                    THEN \(bind: now.millis) ELSE sign_in_throttle.window_start END
                RETURNING attempts, locked_until
                """
            ).first()
            return (try row?.int("attempts") ?? 1, try row?.optionalDate("locked_until"))
        }
    }

    public func lockSignIn(key: String, until: Date) async throws {
        try await withDB { db in
            try await db.raw(
                "UPDATE sign_in_throttle SET locked_until = \(bind: until.millis) WHERE throttle_key = \(bind: key)"
            ).run()
        }
    }

    public func signInLock(key: String) async throws -> Date? {
        try await read { db in
            try await db.raw("SELECT locked_until FROM sign_in_throttle WHERE throttle_key = \(bind: key)").first()?
                .optionalDate("locked_until")
        }
    }

    public func clearSignIn(key: String) async throws {
        try await withDB { db in
            try await db.raw("DELETE FROM sign_in_throttle WHERE throttle_key = \(bind: key)").run()
        }
    }

    public func uncountSignInAttempt(key: String) async throws {
        try await withDB { db in
            try await db.raw(
                """
                UPDATE sign_in_throttle SET attempts = attempts - 1 WHERE throttle_key = \(bind: key) AND attempts > 0
                """
            ).run()
        }
    }
}
