import Foundation
import RosterCore
import SQLKit

extension SQLStore: SessionRepository {
    public func createSession(_ s: AdminSession) async throws {
        try await withDB { db in
            try await db.raw(
                """
                INSERT INTO admin_sessions (token_hash, administrator_id, csrf_token, created, expires, client_ip)
                VALUES (\(bind: s.tokenHash), \(bind: s.administratorId.text), \(bind: s.csrfToken),
                  \(bind: s.created.millis),
                  \(bind: s.expires.millis), \(bind: s.clientIp))
                """
            ).run()
            // Sweeping here keeps the table small without another background task.
            try await db.raw("DELETE FROM admin_sessions WHERE expires < \(bind: s.created.millis)").run()
        }
    }

    public func session(tokenHash: String) async throws -> AdminSession? {
        try await withDB { db in
            try await db.raw("SELECT * FROM admin_sessions WHERE token_hash = \(bind: tokenHash)").first().map { row in
                AdminSession(
                    tokenHash: try row.string("token_hash"), administratorId: try row.uuid("administrator_id"),
                    csrfToken: try row.string("csrf_token"), created: try row.date("created"),
                    expires: try row.date("expires"), clientIp: try row.optionalString("client_ip"))
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

    public func deleteSession(tokenHash: String) async throws {
        try await withDB { db in
            try await db.raw("DELETE FROM admin_sessions WHERE token_hash = \(bind: tokenHash)").run()
        }
    }

    public func recordSignInFailure(emailKey: String, now: Date) async throws -> Int {
        try await withDB { db in
            // One statement, so failures counted by several instances at once all add up.
            try await db.raw(
                """
                INSERT INTO sign_in_failures (email_key, failures, updated) VALUES (\(bind: emailKey), 1,
                  \(bind: now.millis))
                ON CONFLICT (email_key) DO UPDATE SET failures = sign_in_failures.failures + 1, updated =
                  \(bind: now.millis)
                RETURNING failures
                """
            ).first()?.int("failures") ?? 1
        }
    }

    public func lockSignIn(emailKey: String, until: Date) async throws {
        try await withDB { db in
            try await db.raw(
                "UPDATE sign_in_failures SET locked_until = \(bind: until.millis) WHERE email_key = \(bind: emailKey)"
            ).run()
        }
    }

    public func signInLock(emailKey: String) async throws -> Date? {
        try await withDB { db in
            try await db.raw("SELECT locked_until FROM sign_in_failures WHERE email_key = \(bind: emailKey)").first()?
                .optionalDate("locked_until")
        }
    }

    public func clearSignInFailures(emailKey: String) async throws {
        try await withDB { db in
            try await db.raw("DELETE FROM sign_in_failures WHERE email_key = \(bind: emailKey)").run()
        }
    }
}
