import Foundation
import Hummingbird
import RosterApp
import RosterCore

/// `/api/v1/administrators` and `/api/v1/apikeys`: the admin role's (the services refuse the others).
struct AdministratorsController {
    let roster: Roster

    struct CreateBody: Decodable {
        let email: String
        let role: String?
        let password: String
    }
    struct RoleBody: Decodable { let role: String }
    struct PasswordBody: Decodable { let password: String }
    struct KeyBody: Decodable {
        let name: String
        let role: String?
        let expiresInDays: Int?
    }
    struct AdministratorJSON: Encodable {
        let id, email, role: String
        let disabled, mfa: Bool
        let created: Date
    }
    struct CreatedKeyJSON: Encodable { let id, name, role, key: String }
    struct KeyJSON: Encodable {
        let id, name, role, status: String
        let administrator: String?
        let created: Date
        let expires, lastUsed, revoked: Date?
    }
    struct Done: Encodable { let ok: Bool }

    func addRoutes(to group: RouterGroup<APIContext>) {
        group.get("administrators") { _, context in
            try ["administrators": try await roster.administrators.list(by: try context.caller()).map(Self.json)]
                .response()
        }
        group.post("administrators") { request, context in
            let body = try await request.decode(as: CreateBody.self, context: context)
            let admin = try await roster.administrators.create(
                email: body.email, role: try Role.parse(body.role ?? "readonly"), password: body.password,
                by: try context.caller())
            return try Self.json(admin).response(.created)
        }
        group.put("administrators/:email/role") { request, context in
            let body = try await request.decode(as: RoleBody.self, context: context)
            try await roster.administrators.setRole(
                email: try context.path("email"), role: try Role.parse(body.role),
                by: try context.caller())
            return try Done(ok: true).response()
        }
        group.put("administrators/:email/password") { request, context in
            let body = try await request.decode(as: PasswordBody.self, context: context)
            try await roster.administrators.setPassword(
                email: try context.path("email"), password: body.password,
                by: try context.caller())
            return try Done(ok: true).response()
        }
        let service = roster.administrators
        let actions: [(String, @Sendable (String, Initiator) async throws -> Void)] = [
            ("disable", { try await service.disable(email: $0, by: $1) }),
            ("enable", { try await service.enable(email: $0, by: $1) }),
            ("unlock", { try await service.unlock(email: $0, by: $1) }),
            ("reset-mfa", { try await service.resetMFA(email: $0, by: $1) }),
        ]
        for (action, perform) in actions {
            group.post("administrators/:email/\(action)") { _, context in
                try await perform(try context.path("email"), try context.caller())
                return try Done(ok: true).response()
            }
        }
        group.delete("administrators/:email") { _, context in
            try await roster.administrators.delete(email: try context.path("email"), by: try context.caller())
            return try Done(ok: true).response()
        }
        group.get("apikeys") { _, context in
            let caller = try context.caller()
            let emails = Dictionary(
                try await roster.administrators.list(by: caller).map { ($0.id, $0.email) },
                uniquingKeysWith: { a, _ in a })
            let now = Date()
            let keys = try await roster.keys.list(by: caller).map { key in
                KeyJSON(
                    id: key.id.text, name: key.name, role: key.role.rawValue,
                    status: key.refusal(now: now) == nil ? "active" : key.revoked != nil ? "revoked" : "expired",
                    administrator: key.administratorId.flatMap { emails[$0] }, created: key.created,
                    expires: key.expires,
                    lastUsed: key.lastUsed, revoked: key.revoked)
            }
            return try ["keys": keys].response()
        }
        group.post("apikeys") { request, context in
            let body = try await request.decode(as: KeyBody.self, context: context)
            let caller = try context.caller()
            if let days = body.expiresInDays, !(1...3650).contains(days) {
                throw RosterError.invalid("expiresInDays must be 1 to 3650, not \(days)")
            }
            let (key, secret) = try await roster.keys.create(
                name: body.name, role: try Role.parse(body.role ?? "readonly"),
                owner: caller.type == .administrator ? caller.email : nil,
                expiresIn: body.expiresInDays.map { TimeInterval($0) * 86400 }, by: caller)
            return try CreatedKeyJSON(id: key.id.text, name: key.name, role: key.role.rawValue, key: secret).response(
                .created)
        }
        group.delete("apikeys/:id") { _, context in
            try await roster.keys.revoke(id: try context.id("id", "API key"), by: try context.caller())
            return try Done(ok: true).response()
        }
    }

    static func json(_ admin: Administrator) -> AdministratorJSON {
        AdministratorJSON(
            id: admin.id.text, email: admin.email, role: admin.role.rawValue, disabled: admin.disabled,
            mfa: admin.mfaEnabled, created: admin.created)
    }
}
