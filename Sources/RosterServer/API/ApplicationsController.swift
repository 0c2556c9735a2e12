import Foundation
import Hummingbird
import RosterCore

/// `/api/v1/applications`: applications, integrations and import.
struct ApplicationsController {
    let roster: Roster

    struct CreateBody: Decodable { let name: String; let description: String? }
    struct IntegrationBody: Decodable {
        struct Auth: Decodable {
            let type: String
            let token, user, password, tokenUrl, clientId, clientSecret, scope: String?
        }
        let scimUrl: String
        let auth: Auth
    }
    struct ImportBody: Decodable { let all: Bool?; let userIds: [String]? }

    func addRoutes(to group: RouterGroup<APIContext>) {
        group.get("applications") { request, context in
            try context.caller().require(.read)
            let apps = try await roster.applications.list(search: request.uri.queryParameters["search"].map(String.init))
            var items: [ApplicationJSON] = []
            for app in apps { items.append(ApplicationJSON(app, try await roster.storage.integration(applicationId: app.id))) }
            return try ["applications": items].response()
        }
        group.post("applications") { request, context in
            let body = try await request.decode(as: CreateBody.self, context: context)
            let app = try await roster.applications.create(name: body.name, description: body.description, by: try context.caller())
            return try ApplicationJSON(app, nil).response(.created)
        }
        group.get("applications/:app") { _, context in
            try context.caller().require(.read)
            let app = try await roster.applications.find(try context.parameters.require("app"))
            return try ApplicationJSON(app, try await roster.storage.integration(applicationId: app.id)).response()
        }
        group.put("applications/:app/integration") { request, context in
            let body = try await request.decode(as: IntegrationBody.self, context: context)
            let name = try context.parameters.require("app")
            let integration = try await roster.applications.configureIntegration(
                application: name, baseURL: body.scimUrl, credentials: try Self.credentials(body.auth), by: try context.caller())
            let app = try await roster.applications.find(name)
            return try ApplicationJSON(app, integration).response()
        }
        group.post("applications/:app/integration/test") { _, context in
            let report = try await roster.applications.test(application: try context.parameters.require("app"), by: try context.caller())
            return try ConnectionTestJSON(ok: true, totalUsers: report.totalUsers,
                                          serviceProvider: .init(report.serviceProvider)).response()
        }
        for (path, active) in [("activate", true), ("deactivate", false)] {
            group.post("applications/:app/integration/\(path)") { _, context in
                let name = try context.parameters.require("app")
                let integration = try await roster.applications.setActive(active, application: name, by: try context.caller())
                return try ApplicationJSON(try await roster.applications.find(name), integration).response()
            }
        }
        group.get("applications/:app/remote-users") { request, context in
            let query = request.uri.queryParameters
            let options = ImportService.ListOptions(
                filter: query["filter"].map(String.init), search: query["search"].map(String.init),
                sortBy: query["sortBy"].map(String.init),
                sortOrder: query["sortOrder"] == "descending" ? .descending : .ascending)
            let users = try await roster.imports.remoteUsers(application: try context.parameters.require("app"), options: options,
                                                             by: try context.caller())
            return try ["users": users.map(RemoteUserJSON.init)].response()
        }
        group.post("applications/:app/imports") { request, context in
            let body = try await request.decode(as: ImportBody.self, context: context)
            let selection: ImportSelection
            switch (body.all ?? false, body.userIds ?? []) {
            case (true, []): selection = .all
            case (false, let ids) where !ids.isEmpty: selection = .ids(ids)
            default: throw RosterError.invalid("send either \"all\": true or a non-empty \"userIds\" list, not both")
            }
            let outcome = try await roster.imports.start(application: try context.parameters.require("app"), selection: selection,
                                                         by: try context.caller())
            switch outcome {
            case .finished(let job, let results): return try ImportJSON(job, results).response()
            case .queued(let job): return try ImportJSON(job, []).response(.accepted)
            }
        }
    }

    static func credentials(_ auth: IntegrationBody.Auth) throws -> Credentials {
        func need(_ value: String?, _ name: String) throws -> String {
            guard let value, !value.isEmpty else { throw RosterError.invalid("auth type \(auth.type) needs \"\(name)\"") }
            return value
        }
        switch auth.type {
        case "bearer": return .bearer(token: try need(auth.token, "token"))
        case "basic": return .basic(user: try need(auth.user, "user"), password: try need(auth.password, "password"))
        case "oauth2":
            return .oauth(tokenURL: try need(auth.tokenUrl, "tokenUrl"), clientID: try need(auth.clientId, "clientId"),
                          clientSecret: try need(auth.clientSecret, "clientSecret"), scope: auth.scope)
        default: throw RosterError.invalid("auth type must be bearer, basic or oauth2, not \"\(auth.type)\"")
        }
    }
}
