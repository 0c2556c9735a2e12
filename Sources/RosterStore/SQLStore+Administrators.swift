import Foundation
import RosterCore
import SQLKit

extension SQLStore: AdministratorRepository {
    public func createAdministrator(_ a: Administrator) async throws {
        try await withDB { db in
            let rows = try await db.raw(
                """
                INSERT INTO administrators (id, email, email_key, role, password_hash, created) VALUES
                  (\(bind: a.id.text),
                \(bind: a.email), \(bind: a.email.lowercased()), \(bind: a.role.rawValue), \(bind: a.passwordHash),
                \(bind: a.created.millis)) ON CONFLICT DO NOTHING RETURNING id
                """
            ).all()
            if rows.isEmpty { throw RosterError.conflict("an administrator with email \(a.email) already exists") }
        }
    }

    public func administrator(email: String) async throws -> Administrator? {
        try await withDB { db in
            try await db.raw("SELECT * FROM administrators WHERE email_key = \(bind: email.lowercased())").first().map(
                Self.administrator)
        }
    }

    public func administrator(id: UUID) async throws -> Administrator? {
        try await withDB { db in
            try await db.raw("SELECT * FROM administrators WHERE id = \(bind: id.text)").first().map(Self.administrator)
        }
    }

    public func administrators() async throws -> [Administrator] {
        try await withDB { db in
            try await db.raw("SELECT * FROM administrators ORDER BY email_key").all().map(Self.administrator)
        }
    }

    public func createAPIKey(_ key: APIKey) async throws {
        try await withDB { db in
            try await db.raw(
                """
                INSERT INTO api_keys (id, name, role, hash, administrator_id, created) VALUES (\(bind: key.id.text),
                \(bind: key.name), \(bind: key.role.rawValue), \(bind: key.hash), \(bind: key.administratorId?.text),
                \(bind: key.created.millis))
                """
            ).run()
        }
    }

    public func apiKey(hash: String) async throws -> APIKey? {
        try await withDB { db in
            try await db.raw("SELECT * FROM api_keys WHERE hash = \(bind: hash)").first().map(Self.apiKey)
        }
    }

    public func apiKeys() async throws -> [APIKey] {
        try await withDB { db in try await db.raw("SELECT * FROM api_keys ORDER BY created").all().map(Self.apiKey) }
    }

    static func apiKey(_ row: any SQLRow) throws -> APIKey {
        APIKey(
            id: try row.uuid("id"), name: try row.string("name"),
            role: Role(rawValue: try row.string("role")) ?? .readonly,
            hash: try row.string("hash"), administratorId: try row.optionalUUID("administrator_id"),
            created: try row.date("created"))
    }

    static func administrator(_ row: any SQLRow) throws -> Administrator {
        Administrator(
            id: try row.uuid("id"), email: try row.string("email"),
            role: Role(rawValue: try row.string("role")) ?? .readonly,
            passwordHash: try row.string("password_hash"), created: try row.date("created"))
    }
}
