import Foundation
import Hummingbird
import RosterApp
import RosterCore

/// `/api/v1/applications`: applications, integrations and import.
struct ApplicationsController {
    let roster: Roster

    struct CreateBody: Decodable {
        let name: String
        let description: String?
        let preset: String?
    }
    struct IntegrationBody: Decodable {
        struct Auth: Decodable {
            let type: String
            let token, user, password, tokenUrl, clientId, clientSecret, scope: String?
        }
        /// Optional for an application made from a preset whose URL has nothing to fill in.
        let scimUrl: String?
        let auth: Auth
        let allowPrivateNetwork: Bool?

        var input: IntegrationInput {
            IntegrationInput(
                scimURL: scimUrl ?? "", authType: auth.type, token: auth.token, user: auth.user,
                password: auth.password,
                tokenURL: auth.tokenUrl, clientID: auth.clientId, clientSecret: auth.clientSecret, scope: auth.scope,
                allowPrivateNetwork: allowPrivateNetwork ?? false)
        }
    }
    struct ImportBody: Decodable {
        let all: Bool?
        let userIds: [String]?
    }

    func addRoutes(to group: RouterGroup<APIContext>) {
        group.get("applications") { request, context in
            let apps = try await roster.applications.list(search: request.query("search"), by: try context.caller())
            return try ["applications": apps.map { ApplicationJSON($0.0, $0.1) }].response()
        }
        group.post("applications") { request, context in
            let body = try await request.decode(as: CreateBody.self, context: context)
            let app = try await roster.applications.create(
                name: body.name, description: body.description, preset: body.preset, by: try context.caller())
            return try ApplicationJSON(app, nil).response(.created)
        }
        group.get("presets") { request, context in
            try context.caller().require(.read)
            return try ["presets": try roster.applications.presets(search: request.query("search"))].response()
        }
        group.get("applications/:app") { _, context in
            let (app, integration) = try await roster.applications.details(
                try context.path("app"),
                by: try context.caller())
            return try ApplicationJSON(app, integration).response()
        }
        group.put("applications/:app/integration") { request, context in
            let body = try await request.decode(as: IntegrationBody.self, context: context)
            let name = try context.path("app")
            let integration = try await roster.applications.configureIntegration(
                application: name, input: body.input,
                by: try context.caller())
            return try ApplicationJSON(try await roster.applications.find(name), integration).response()
        }
        group.post("applications/:app/integration/test") { _, context in
            let report = try await roster.applications.test(
                application: try context.path("app"), by: try context.caller())
            return try ConnectionTestJSON(report).response()
        }
        for (path, active) in [("activate", true), ("deactivate", false)] {
            group.post("applications/:app/integration/\(path)") { _, context in
                let name = try context.path("app")
                let integration = try await roster.applications.setActive(
                    active, application: name, by: try context.caller())
                return try ApplicationJSON(try await roster.applications.find(name), integration).response()
            }
        }
        group.get("applications/:app/remote-users") { request, context in
            let caller = try context.caller()
            let app = try context.path("app")
            let status = try request.query("status").map(RemoteUserStatus.Status.init(query:))
            let limit = try request.intQuery("limit") ?? 50
            let offset = try request.intQuery("offset") ?? 0
            let descending = request.query("sortOrder") == "descending"
            let page: ListingPage
            if let filter = request.query("filter"), !filter.isEmpty {
                let options = RemoteListing.Options(
                    filter: filter, search: request.query("search"), sortBy: request.query("sortBy"),
                    sortOrder: descending ? .descending : .ascending)
                page = try await roster.remoteUsers.filteredPage(
                    application: app, options: options, status: status, limit: limit, offset: offset, by: caller)
            } else {
                let sort = try request.query("sortBy").map { attribute in
                    guard let sort = ListingQuery.Sort(attribute: attribute) else {
                        throw RosterError.invalid(
                            "sortBy must be userName, emails, displayName or name.familyName (or give a filter)")
                    }
                    return sort
                }
                page = try await roster.remoteUsers.storedPage(
                    application: app,
                    ListingQuery(
                        status: status, search: request.query("search"), sort: sort ?? .listed,
                        descending: descending, limit: limit, offset: offset),
                    refresh: try request.boolQuery("refresh") ?? false, by: caller)
            }
            return try RemoteUsersPageJSON(page).response()
        }
        group.post("applications/:app/imports") { request, context in
            let body = try await request.decode(as: ImportBody.self, context: context)
            // An empty selection is the domain's to refuse, after it checked the caller may import.
            let selection: ImportSelection
            switch (body.all ?? false, body.userIds ?? []) {
            case (true, []): selection = .all
            case (false, let ids): selection = .ids(ids)
            default: throw RosterError.invalid("send either \"all\": true or a non-empty \"userIds\" list, not both")
            }
            let outcome = try await roster.imports.start(
                application: try context.path("app"), selection: selection,
                by: try context.caller())
            switch outcome {
            case .finished(let job, let results): return try ImportJSON(job, results).response()
            case .queued(let job): return try ImportJSON(job, []).response(.accepted)
            }
        }
    }
}
