import Foundation
import Hummingbird
import RosterApp
import RosterCore
import SCIM

/// Applications, their Identity Management tab, and manual import.
struct PortalApplications {
    let portal: Portal
    var roster: Roster { portal.roster }

    func addRoutes(to group: RouterGroup<APIContext>) {
        group.get("applications") { request, context in
            let search = request.query("search")
            let rows = try await roster.applications.list(search: search, by: try context.caller()).map {
                app, integration in
                let (status, statusClass) = Self.status(integration)
                return [
                    "id": app.id.text, "name": app.name, "description": app.description ?? "", "status": status,
                    "statusClass": statusClass,
                ] as [String: Any]
            }
            // The catalog is offered when it is installed; without it, applications are added by hand.
            let presets = (try? roster.applications.presets(search: nil)) ?? []
            return portal.page(
                "applications", title: "Applications", section: "applications",
                [
                    "applications": rows, "search": search ?? "", "searched": search != nil,
                    "presets": presets.map { ["id": $0.id, "name": $0.name] }, "hasPresets": !presets.isEmpty,
                ], context: context)
        }
        group.post("applications") { _, context in
            let preset = context.form["preset"]?.trimmingCharacters(in: .whitespaces)
            let app = try await roster.applications.create(
                name: context.form["name"] ?? "", description: context.form["description"],
                preset: preset?.isEmpty == false ? preset : nil, by: try context.caller())
            return portal.redirect(
                "/applications/\(app.id.text)?tab=idm",
                Flash(.notice, "Application \(app.name) added. Configure its SCIM API below."))
        }
        group.get("applications/:app") { request, context in
            let caller = try context.caller()
            let (app, integration) = try await roster.applications.details(try context.path("app"), by: caller)
            let tab = request.query("tab") == "idm" ? "idm" : "overview"
            var values = base(app, integration)
            values["tab_" + tab] = true
            if tab == "idm", integration != nil {
                values.merge(try await PortalSchedule(portal: portal).values(app, by: caller)) { _, new in new }
            }
            if tab == "overview" {
                values["groups"] = try await roster.groups.list(by: caller).filter { $0.applications.contains(app.id) }
                    .map { ["id": $0.0.id.text, "name": $0.0.name] }
                let log = try await roster.provisioningLog.entries(
                    application: app.id.text, newestFirst: true, limit: 20, by: caller)
                values["log"] = log.map { entry -> [String: Any] in
                    [
                        "time": PortalFormat.time(entry.time), "target": entry.targetName ?? entry.targetId.text,
                        "operation": entry.operation.rawValue, "outcome": entry.outcome.rawValue,
                        "detail": entry.detail ?? "",
                    ]
                }
            }
            return portal.page("application", title: app.name, section: "applications", values, context: context)
        }
        group.post("applications/:app/integration") { _, context in
            let form = context.form
            let input = IntegrationInput(
                scimURL: form["scimUrl"] ?? "", authType: form["authType"] ?? "", token: form.raw("token"),
                user: form["user"],
                password: form.raw("password"), tokenURL: form["tokenUrl"], clientID: form["clientId"],
                clientSecret: form.raw("clientSecret"), scope: form["scope"],
                allowPrivateNetwork: form["allowPrivateNetwork"] != nil)
            let (app, integration) = try await roster.applications.details(
                try context.path("app"),
                by: try context.caller())
            do {
                _ = try await roster.applications.configureIntegration(
                    application: app.name, input: input, by: try context.caller())
            } catch let problem as IntegrationInput.Problem {
                // Shown again with what was typed (never the secrets) and the problem in the page's words.
                var values = base(app, integration, typed: input, problem: problem)
                values["tab_idm"] = true
                return portal.page(
                    "application", title: app.name, section: "applications", values, context: context,
                    status: .badRequest)
            }
            return portal.redirect(
                "/applications/\(app.id.text)?tab=idm",
                Flash(.notice, "Saved and activated. Test the connection to see what \(app.name) supports."))
        }
        group.post("applications/:app/integration/test") { _, context in
            let app = try await roster.applications.find(try context.path("app"))
            let back = "/applications/\(app.id.text)?tab=idm"
            do {
                let report = try await roster.applications.test(application: app.name, by: try context.caller())
                let users = report.totalUsers.map { "\($0) users" } ?? "it does not say how many users"
                let listing =
                    report.listing.isEmpty
                    ? "" : " Its listings refuse some parameters; Roster leaves out \(report.listing.summary)."
                return portal.redirect(
                    back, Flash(.notice, "Connection works: \(app.name) answered, \(users).\(listing)"))
            } catch let error as RosterError {
                if case .forbidden = error { throw error }
                return portal.redirect(back, Flash(.error, "Connection failed: \(error.description)"))
            }
        }
        group.get("applications/:app/deactivate") { _, context in
            let app = try await roster.applications.find(try context.path("app"))
            try context.caller().require(.change)
            return portal.page(
                "deactivate", title: "Deactivate \(app.name)", section: "applications",
                ["app": ["id": app.id.text, "name": app.name]], context: context)
        }
        group.post("applications/:app/integration/release") { _, context in
            let app = try await roster.applications.find(try context.path("app"))
            _ = try await roster.applications.release(application: app.name, by: try context.caller())
            return portal.redirect(
                "/applications/\(app.id.text)?tab=idm",
                Flash(.notice, "\(app.name) is out of quarantine: its held pushes go out again."))
        }
        for (path, active) in [("activate", true), ("deactivate", false)] {
            group.post("applications/:app/integration/\(path)") { _, context in
                let app = try await roster.applications.find(try context.path("app"))
                _ = try await roster.applications.setActive(active, application: app.name, by: try context.caller())
                let message =
                    active
                    ? "Identity Management for \(app.name) is active: Roster syncs it again."
                    : "Identity Management for \(app.name) is deactivated: Roster no longer syncs it."
                return portal.redirect("/applications/\(app.id.text)?tab=idm", Flash(.notice, message))
            }
        }
        PortalImport(portal: portal).addRoutes(to: group)
    }

    /// The values every application page shows; `typed` and `problem` refill the integration form after a mistake.
    func base(
        _ app: RosterCore.Application, _ integration: Integration?, typed: IntegrationInput? = nil,
        problem: IntegrationInput.Problem? = nil
    ) -> [String: Any] {
        let (status, statusClass) = Self.status(integration)
        var values: [String: Any] = [
            "app": [
                "id": app.id.text, "name": app.name, "description": app.description ?? "",
                "created": PortalFormat.time(app.created),
            ],
            "status": status, "statusClass": statusClass,
        ]
        if let integration {
            var facts: [String: Any] = [
                "url": integration.baseURL, "authKind": integration.credentials.kind,
                "lastError": integration.lastError ?? "",
                "network": integration.allowPrivateNetwork
                    ? "private network and http:// allowed" : "public addresses over https only",
            ]
            if let sp = integration.serviceProvider { facts["provider"] = Self.supports(sp) }
            if !integration.listingFallbacks.isEmpty { facts["fallbacks"] = integration.listingFallbacks.summary }
            values["integration"] = facts
            values["active"] = integration.status == .active
            values["quarantined"] = integration.status == .error
        }
        // An application made from a preset starts from what its vendor documents.
        let preset = app.preset.flatMap { try? roster.applications.preset($0) }
        if let preset {
            values["preset"] = [
                "name": preset.name, "docs": preset.scimDocs, "read": preset.read, "effects": preset.effects,
            ]
        }
        let authType =
            typed?.authType ?? integration?.credentials.kind
            ?? preset?.authentication.flatMap { ["bearer", "basic", "oauth2"].contains($0) ? $0 : nil } ?? "bearer"
        var form: [String: Any] = [
            "scimUrl": typed?.scimURL ?? integration?.baseURL ?? preset?.baseURL ?? "", "user": typed?.user ?? "",
            "tokenUrl": typed?.tokenURL ?? "",
            "clientId": typed?.clientID ?? "", "scope": typed?.scope ?? "", "auth_" + authType: true,
            "allowPrivate": typed?.allowPrivateNetwork ?? integration?.allowPrivateNetwork ?? false,
        ]
        if let problem {
            form["error_" + problem.field.rawValue] = Self.words(problem)
            form["problem"] = Self.words(problem)
        }
        values["form"] = form
        values["formOpen"] = integration == nil || problem != nil
        return values
    }

    /// A problem with the integration form, in the form's own words.
    static func words(_ problem: IntegrationInput.Problem) -> String {
        if problem.kind == .unencrypted {
            return "This http:// address is not encrypted: use https://, or tick “Allow a private network” "
                + "for a server on your own network."
        }
        return switch problem.field {
        case .scimURL: "Enter the application's SCIM base URL, starting with https:// (or http://)."
        case .authType: "Choose how Roster signs in to the application."
        case .token: "Enter the bearer token."
        case .user: "Enter the user name for HTTP basic authentication."
        case .password: "Enter the password for HTTP basic authentication."
        case .tokenURL:
            problem.kind == .missing
                ? "Enter the OAuth token URL." : "Enter the OAuth token URL, starting with https://."
        case .clientID: "Enter the OAuth client id."
        case .clientSecret: "Enter the OAuth client secret."
        }
    }

    static func supports(_ sp: ServiceProviderConfig) -> [String: Any] {
        func yes(_ b: Bool) -> String { b ? "yes" : "no" }
        let paging = [sp.indexPagination ? "index" : nil, sp.cursorPagination ? "cursor (RFC 9865)" : nil].compactMap {
            $0
        }
        return [
            "patch": yes(sp.patchSupported), "filter": yes(sp.filterSupported), "sort": yes(sp.sortSupported),
            "etag": yes(sp.etagSupported), "paging": paging.isEmpty ? "index" : paging.joined(separator: ", "),
            "maxPageSize": sp.maxPageSize.map(String.init) ?? "not stated",
            "schemes": sp.authenticationSchemes.isEmpty
                ? "not stated" : sp.authenticationSchemes.joined(separator: ", "),
        ]
    }

    static func status(_ integration: Integration?) -> (String, String) {
        switch integration?.status {
        case nil: ("not configured", "")
        case .active: ("active", "ok")
        case .deactivated: ("deactivated", "warn")
        case .error: ("quarantined", "bad")
        }
    }
}
