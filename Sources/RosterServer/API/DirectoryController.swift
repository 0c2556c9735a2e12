import Foundation
import Hummingbird
import RosterCore

/// `/api/v1`: users, import jobs, Insights, administrators and API keys.
struct DirectoryController {
    let roster: Roster

    struct AdministratorBody: Decodable { let email: String; let role: String?; let password: String }
    struct APIKeyBody: Decodable { let name: String; let role: String? }
    struct AdministratorJSON: Encodable { let id, email, role: String; let created: Date }
    struct APIKeyJSON: Encodable { let id, name, role, key: String }

    func addRoutes(to group: RouterGroup<APIContext>) {
        group.get("users") { request, context in
            let query = request.uri.queryParameters
            let sort = try request.query("sort").map { text in
                guard let sort = UserSort(rawValue: text) else {
                    throw RosterError.invalid("sort must be one of \(UserSort.allCases.map(\.rawValue).joined(separator: ", ")), not \"\(text)\"")
                }
                return sort
            } ?? .email
            let users = try await roster.directory.users(
                search: query["search"].map(String.init), sort: sort, limit: query["limit"].flatMap { Int($0) } ?? 100,
                offset: query["offset"].flatMap { Int($0) } ?? 0, by: try context.caller())
            return try ["users": users.map(UserJSON.init)].response()
        }
        group.get("users/:id") { _, context in
            guard let id = UUID(uuidString: try context.parameters.require("id")) else { throw RosterError.notFound("no such user") }
            return try UserJSON(try await roster.directory.user(id: id, by: try context.caller())).response()
        }
        group.get("imports") { _, context in
            let jobs = try await roster.directory.importJobs(by: try context.caller())
            return try ["jobs": jobs.map { ImportJSON($0, []).job }].response()
        }
        group.get("imports/:id") { _, context in
            guard let id = UUID(uuidString: try context.parameters.require("id")) else { throw RosterError.notFound("no such import job") }
            let (job, results) = try await roster.imports.job(id: id, by: try context.caller())
            return try ImportJSON(job, results).response()
        }
        group.get("insights") { request, context in
            let query = request.uri.queryParameters
            let events = try await roster.directory.events(InsightsQuery(
                type: query["type"].map(String.init), limit: min(query["limit"].flatMap { Int($0) } ?? 1000, 10_000)),
                by: try context.caller())
            return try ["events": events.map(EventJSON.init)].response()
        }
        group.get("administrators") { _, context in
            let admins = try await roster.administrators.list(by: try context.caller())
            return try ["administrators": admins.map { AdministratorJSON(id: $0.id.text, email: $0.email, role: $0.role.rawValue, created: $0.created) }].response()
        }
        group.post("administrators") { request, context in
            let body = try await request.decode(as: AdministratorBody.self, context: context)
            let admin = try await roster.administrators.create(email: body.email, role: try Self.role(body.role), password: body.password,
                                                               by: try context.caller())
            return try AdministratorJSON(id: admin.id.text, email: admin.email, role: admin.role.rawValue, created: admin.created).response(.created)
        }
        group.post("apikeys") { request, context in
            let body = try await request.decode(as: APIKeyBody.self, context: context)
            let caller = try context.caller()
            let (key, secret) = try await roster.administrators.createAPIKey(
                name: body.name, role: try Self.role(body.role), owner: caller.type == .administrator ? caller.email : nil, by: caller)
            return try APIKeyJSON(id: key.id.text, name: key.name, role: key.role.rawValue, key: secret).response(.created)
        }
    }

    static func role(_ text: String?) throws -> Role {
        guard let text else { return .admin }
        guard let role = Role(rawValue: text) else { throw RosterError.invalid("role must be admin, manager or readonly, not \"\(text)\"") }
        return role
    }
}
