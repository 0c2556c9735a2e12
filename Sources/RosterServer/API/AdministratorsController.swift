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
    struct Done: Encodable { let ok: Bool }

    func addRoutes(to group: RouterGroup<APIContext>) {
        group.get("administrators") { _, context in
            try [
                "administrators": try await roster.administrators.list(by: try context.caller()).map(
                    AdministratorJSON.init)
            ]
            .response()
        }
        group.post("administrators") { request, context in
            let body = try await request.decode(as: CreateBody.self, context: context)
            let admin = try await roster.administrators.create(
                email: body.email, role: try Role.parse(body.role ?? "readonly"), password: body.password,
                by: try context.caller())
            return try AdministratorJSON(admin).response(.created)
        }
        group.put("administrators/:email/role") { request, context in
            let body = try await request.decode(as: RoleBody.self, context: context)
            try await roster.administrators.setRole(
                email: try context.path("email"), roleNamed: body.role, by: try context.caller())
            return try Done(ok: true).response()
        }
        group.put("administrators/:email/password") { request, context in
            let body = try await request.decode(as: PasswordBody.self, context: context)
            try await roster.administrators.setPassword(
                email: try context.path("email"), password: body.password,
                by: try context.caller())
            return try Done(ok: true).response()
        }
        // DELETE is the HTTP verb of deletion; the other changes are POSTs to their own path.
        for change in AdministratorService.Change.allCases {
            let handler: @Sendable (Request, APIContext) async throws -> Response = { _, context in
                try await roster.administrators.apply(
                    change, email: try context.path("email"), by: try context.caller())
                return try Done(ok: true).response()
            }
            if change == .delete {
                group.delete("administrators/:email", use: handler)
            } else {
                group.post("administrators/:email/\(change.rawValue)", use: handler)
            }
        }
        group.get("apikeys") { _, context in
            try ["keys": try await roster.keys.list(by: try context.caller()).map(APIKeyJSON.init)].response()
        }
        group.post("apikeys") { request, context in
            let body = try await request.decode(as: KeyBody.self, context: context)
            let caller = try context.caller()
            let (key, secret) = try await roster.keys.create(
                name: body.name, role: try body.role.map(Role.parse) ?? .readonly,
                owner: caller.type == .administrator ? caller.email : nil,
                // A Double: any day count a caller sends reaches the domain's range check, never a trap.
                expiresIn: body.expiresInDays.map { Double($0) * 86400 }, by: caller)
            return try CreatedAPIKeyJSON(key, secret: secret).response(.created)
        }
        group.delete("apikeys/:id") { _, context in
            try await roster.keys.revoke(id: try context.id("id", "API key"), by: try context.caller())
            return try Done(ok: true).response()
        }
    }
}
