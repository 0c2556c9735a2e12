import Foundation
import Hummingbird
import RosterApp
import RosterCore

/// `/api/v1`: users, import jobs, Insights, administrators and API keys.
struct DirectoryController {
    let roster: Roster

    struct AdministratorBody: Decodable {
        let email: String
        let role: String?
        let password: String
    }
    struct APIKeyBody: Decodable {
        let name: String
        let role: String?
    }
    struct AdministratorJSON: Encodable {
        let id, email, role: String
        let created: Date
    }
    struct APIKeyJSON: Encodable { let id, name, role, key: String }

    func addRoutes(to group: RouterGroup<APIContext>) {
        group.get("users") { request, context in
            let sort =
                try request.query("sort").map { text in
                    guard let sort = UserSort(rawValue: text) else {
                        let sorts = UserSort.allCases.map(\.rawValue).joined(separator: ", ")
                        throw RosterError.invalid("sort must be one of \(sorts), not \"\(text)\"")
                    }
                    return sort
                } ?? .email
            let users = try await roster.directory.users(
                search: request.query("search"), sort: sort, limit: try request.intQuery("limit") ?? 100,
                offset: try request.intQuery("offset") ?? 0, by: try context.caller())
            return try ["users": users.map(UserJSON.init)].response()
        }
        group.get("users/:id") { _, context in
            let user = try await roster.directory.user(id: try context.id("id", "user"), by: try context.caller())
            return try UserJSON(user).response()
        }
        group.get("imports") { _, context in
            let jobs = try await roster.imports.history(by: try context.caller())
            return try ["jobs": jobs.map { ImportJSON($0.job, []).job }].response()
        }
        group.get("imports/:id") { _, context in
            let (job, results) = try await roster.imports.job(
                id: try context.id("id", "import job"), by: try context.caller())
            return try ImportJSON(job, results).response()
        }
        group.get("insights") { request, context in
            let type = try request.query("type").map(InsightsEventType.parse)
            let events = try await roster.insights.events(
                InsightsQuery(type: type, limit: min(try request.intQuery("limit") ?? 1000, 10_000)),
                by: try context.caller())
            return try ["events": events.map(EventJSON.init)].response()
        }
        group.get("administrators") { _, context in
            let admins = try await roster.administrators.list(by: try context.caller())
            return try ["administrators": admins.map(Self.json)].response()
        }
        group.post("administrators") { request, context in
            let body = try await request.decode(as: AdministratorBody.self, context: context)
            let admin = try await roster.administrators.create(
                email: body.email, role: try Role.parse(body.role ?? "admin"),
                password: body.password, by: try context.caller())
            return try Self.json(admin).response(.created)
        }
        group.post("apikeys") { request, context in
            let body = try await request.decode(as: APIKeyBody.self, context: context)
            let caller = try context.caller()
            let (key, secret) = try await roster.administrators.createAPIKey(
                name: body.name, role: try Role.parse(body.role ?? "admin"),
                owner: caller.type == .administrator ? caller.email : nil,
                by: caller)
            return try APIKeyJSON(id: key.id.text, name: key.name, role: key.role.rawValue, key: secret).response(
                .created)
        }
    }

    static func json(_ admin: Administrator) -> AdministratorJSON {
        AdministratorJSON(id: admin.id.text, email: admin.email, role: admin.role.rawValue, created: admin.created)
    }
}
