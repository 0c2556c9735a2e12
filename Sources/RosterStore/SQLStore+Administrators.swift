import Foundation
import RosterCore
import SQLKit

extension SQLStore: AdministratorRepository {
    public func createAdministrator(_ a: Administrator) async throws {
        try await withDB { db in
            let rows = try await db.raw(
                """
                INSERT INTO administrators (id, email, email_key, role, password_hash, created) VALUES
                  (\(bind: a.id.text), \(bind: a.email), \(bind: a.email.lowercased()), \(bind: a.role.rawValue),
                  \(bind: a.passwordHash), \(bind: a.created.millis))
                ON CONFLICT DO NOTHING RETURNING id
                """
            ).all()
            if rows.isEmpty { throw RosterError.conflict("an administrator with email \(a.email) already exists") }
        }
    }

    public func administrator(email: String) async throws -> Administrator? {
        let row = try await read { db in
            try await db.raw("SELECT * FROM administrators WHERE email_key = \(bind: email.lowercased())").first()
        }
        return try row.map(administrator)
    }

    public func administrator(id: UUID) async throws -> Administrator? {
        let row = try await read { db in
            try await db.raw("SELECT * FROM administrators WHERE id = \(bind: id.text)").first()
        }
        return try row.map(administrator)
    }

    public func lockAdministrator(email: String) async throws -> Administrator? {
        let row = try await withDB { [dialect] db in
            try await db.raw(
                """
                SELECT * FROM administrators
                WHERE email_key = \(bind: email.lowercased())\(unsafeRaw: dialect.forUpdate)
                """
            ).first()
        }
        return try row.map(administrator)
    }

    public func lockAdministrators() async throws -> [Administrator] {
        let rows = try await withDB { [dialect] db in
            try await db.raw("SELECT * FROM administrators ORDER BY email_key\(unsafeRaw: dialect.forUpdate)").all()
        }
        return try rows.map(administrator)
    }

    public func administrators() async throws -> [Administrator] {
        let rows = try await read { db in try await db.raw("SELECT * FROM administrators ORDER BY email_key").all() }
        return try rows.map(administrator)
    }

    public func updateAdministrator(_ a: Administrator) async throws {
        // The second factor's secrets are encrypted like the applications' credentials.
        let secret = try a.mfaSecret.map(secrets.seal)
        let pending = try a.mfaPendingSecret.map(secrets.seal)
        try await withDB { db in
            try await db.raw(
                """
                UPDATE administrators SET role = \(bind: a.role.rawValue), password_hash = \(bind: a.passwordHash),
                  disabled = \(bind: a.disabled ? 1 : 0), mfa_secret = \(bind: secret), mfa_pending_secret =
                    \(bind: pending),
                  mfa_last_step = CASE WHEN \(bind: secret == nil ? 1 : 0) = 1 THEN NULL ELSE mfa_last_step END
                WHERE id = \(bind: a.id.text)
                """
            ).run()
        }
    }

    public func deleteAdministrator(id: UUID) async throws {
        try await sqlTransaction { db in
            try await db.raw("DELETE FROM api_keys WHERE administrator_id = \(bind: id.text)").run()
            try await db.raw("DELETE FROM admin_sessions WHERE administrator_id = \(bind: id.text)").run()
            try await db.raw("DELETE FROM mfa_recovery_codes WHERE administrator_id = \(bind: id.text)").run()
            try await db.raw("DELETE FROM administrators WHERE id = \(bind: id.text)").run()
        }
    }

    public func createAPIKey(_ key: APIKey) async throws {
        try await withDB { db in
            try await db.raw(
                """
                INSERT INTO api_keys (id, name, role, hash, administrator_id, created, expires, parent_id) VALUES
                  (\(bind: key.id.text),
                  \(bind: key.name), \(bind: key.role.rawValue), \(bind: key.hash), \(bind: key.administratorId?.text),
                  \(bind: key.created.millis), \(bind: key.expires?.millis), \(bind: key.parentId?.text))
                """
            ).run()
        }
    }

    public func apiKey(hash: String) async throws -> APIKey? {
        try await read { db in
            try await db.raw("SELECT * FROM api_keys WHERE hash = \(bind: hash)").first().map(Self.apiKey)
        }
    }

    public func apiKey(id: UUID) async throws -> APIKey? {
        try await read { db in
            try await db.raw("SELECT * FROM api_keys WHERE id = \(bind: id.text)").first().map(Self.apiKey)
        }
    }

    public func apiKeys() async throws -> [APIKey] {
        try await read { db in try await db.raw("SELECT * FROM api_keys ORDER BY created").all().map(Self.apiKey) }
    }

    public func revokeAPIKey(id: UUID, at: Date) async throws -> Int {
        try await sqlTransaction { db in
            var family = [id.text]
            var generation = [id.text]
            while !generation.isEmpty {
                var children: [String] = []
                for parent in generation {
                    children += try await db.raw("SELECT id FROM api_keys WHERE parent_id = \(bind: parent)").all()
                        .map { try $0.string("id") }
                }
                generation = children.filter { !family.contains($0) }
                family += generation
            }
            var revoked = 0
            for key in family {
                let active = try await db.raw("SELECT id FROM api_keys WHERE id = \(bind: key) AND revoked IS NULL")
                    .first()
                guard active != nil else { continue }
                try await db.raw("UPDATE api_keys SET revoked = \(bind: at.millis) WHERE id = \(bind: key)").run()
                revoked += 1
            }
            return revoked
        }
    }

    public func touchAPIKey(id: UUID, at: Date) async throws {
        try await withDB { db in
            try await db.raw("UPDATE api_keys SET last_used = \(bind: at.millis) WHERE id = \(bind: id.text)").run()
        }
    }

    public func saveRecoveryCodes(administratorId: UUID, hashes: [String]) async throws {
        try await sqlTransaction { db in
            try await db.raw("DELETE FROM mfa_recovery_codes WHERE administrator_id = \(bind: administratorId.text)")
                .run()
            for hash in hashes {
                try await db.raw(
                    """
                    INSERT INTO mfa_recovery_codes (administrator_id, code_hash) VALUES (\(bind: administratorId.text),
                      \(bind: hash))
                    """
                ).run()
            }
        }
    }

    public func useRecoveryCode(administratorId: UUID, hash: String, now: Date) async throws -> Bool {
        try await withDB { db in
            try await db.raw(
                """
                UPDATE mfa_recovery_codes SET used = \(bind: now.millis)
                WHERE administrator_id = \(bind: administratorId.text) AND code_hash = \(bind: hash) AND used IS NULL
                RETURNING code_hash
                """
            ).first() != nil
        }
    }

    public func acceptTOTPStep(administratorId: UUID, step: Int64) async throws -> Bool {
        try await withDB { db in
            try await db.raw(
                """
                UPDATE administrators SET mfa_last_step = \(bind: step)
                WHERE id = \(bind: administratorId.text) AND (mfa_last_step IS NULL OR mfa_last_step < \(bind: step))
                RETURNING id
                """
            ).first() != nil
        }
    }

    static func apiKey(_ row: any SQLRow) throws -> APIKey {
        APIKey(
            id: try row.uuid("id"), name: try row.string("name"),
            role: Role(rawValue: try row.string("role")) ?? .readonly,
            hash: try row.string("hash"), administratorId: try row.optionalUUID("administrator_id"),
            created: try row.date("created"), expires: try row.optionalDate("expires"),
            lastUsed: try row.optionalDate("last_used"), revoked: try row.optionalDate("revoked"),
            parentId: try row.optionalUUID("parent_id"))
    }

    func administrator(_ row: any SQLRow) throws -> Administrator {
        Administrator(
            id: try row.uuid("id"), email: try row.string("email"),
            role: Role(rawValue: try row.string("role")) ?? .readonly,
            passwordHash: try row.string("password_hash"), created: try row.date("created"),
            disabled: try row.int("disabled") != 0, mfaSecret: try row.optionalString("mfa_secret").map(secrets.open),
            mfaPendingSecret: try row.optionalString("mfa_pending_secret").map(secrets.open))
    }
}
