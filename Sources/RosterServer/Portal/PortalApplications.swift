import Foundation
import Hummingbird
import RosterCore
import SCIM

/// Applications, their Identity Management tab, and manual import.
struct PortalApplications {
    let portal: Portal
    var roster: Roster { portal.roster }

    func addRoutes(to group: RouterGroup<APIContext>) {
        group.get("applications") { request, context in
            let caller = try context.caller()
            try caller.require(.read)
            let search = request.query("search")
            var rows: [[String: Any]] = []
            for app in try await roster.applications.list(search: search) {
                let (status, statusClass) = Self.status(try await roster.storage.integration(applicationId: app.id))
                rows.append(["id": app.id.text, "name": app.name, "description": app.description ?? "", "status": status,
                             "statusClass": statusClass])
            }
            return portal.page("applications", title: "Applications", section: "applications",
                               ["applications": rows, "search": search ?? "", "searched": search != nil], context: context)
        }
        group.post("applications") { _, context in
            let app = try await roster.applications.create(name: context.form["name"] ?? "", description: context.form["description"],
                                                           by: try context.caller())
            return portal.redirect("/applications/\(app.id.text)?tab=idm",
                                   Flash(.notice, "Application \(app.name) added. Configure its SCIM API below."))
        }
        group.get("applications/:app") { request, context in
            let caller = try context.caller()
            try caller.require(.read)
            let app = try await roster.applications.find(try context.parameters.require("app"))
            let integration = try await roster.storage.integration(applicationId: app.id)
            let tab = request.query("tab") == "idm" ? "idm" : "overview"
            var values = base(app, integration)
            values["tab_" + tab] = true
            if tab == "overview" {
                values["groups"] = try await roster.groups.list(by: caller).filter { $0.applications.contains(app.id) }
                    .map { ["id": $0.0.id.text, "name": $0.0.name] }
                let log = try await roster.storage.provisioningLog(applicationId: app.id, limit: 20)
                values["log"] = log.map { entry -> [String: Any] in
                    ["time": PortalFormat.time(entry.time), "target": entry.targetName ?? entry.targetId.text,
                     "operation": entry.operation.rawValue, "outcome": entry.outcome.rawValue, "detail": entry.detail ?? ""]
                }
            }
            return portal.page("application", title: app.name, section: "applications", values, context: context)
        }
        group.post("applications/:app/integration") { _, context in
            let form = context.form
            let auth = ApplicationsController.IntegrationBody.Auth(
                type: form["authType"] ?? "", token: form.raw("token"), user: form["user"], password: form.raw("password"),
                tokenUrl: form["tokenUrl"], clientId: form["clientId"], clientSecret: form.raw("clientSecret"), scope: form["scope"])
            let name = try context.parameters.require("app")
            let app = try await roster.applications.find(name)
            _ = try await roster.applications.configureIntegration(
                application: app.name, baseURL: form["scimUrl"] ?? "", credentials: try ApplicationsController.credentials(auth),
                by: try context.caller())
            return portal.redirect("/applications/\(app.id.text)?tab=idm", Flash(.notice, "Saved and activated. Test the connection to see what \(app.name) supports."))
        }
        group.post("applications/:app/integration/test") { _, context in
            let app = try await roster.applications.find(try context.parameters.require("app"))
            let back = "/applications/\(app.id.text)?tab=idm"
            do {
                let report = try await roster.applications.test(application: app.name, by: try context.caller())
                let users = report.totalUsers.map { "\($0) users" } ?? "it does not say how many users"
                return portal.redirect(back, Flash(.notice, "Connection works: \(app.name) answered, \(users)."))
            } catch let error as RosterError {
                if case .forbidden = error { throw error }
                return portal.redirect(back, Flash(.error, "Connection failed: \(error.description)"))
            }
        }
        group.get("applications/:app/deactivate") { _, context in
            let app = try await roster.applications.find(try context.parameters.require("app"))
            try context.caller().require(.change)
            return portal.page("deactivate", title: "Deactivate \(app.name)", section: "applications",
                               ["app": ["id": app.id.text, "name": app.name]], context: context)
        }
        group.post("applications/:app/integration/release") { _, context in
            let app = try await roster.applications.find(try context.parameters.require("app"))
            _ = try await roster.applications.release(application: app.name, by: try context.caller())
            return portal.redirect("/applications/\(app.id.text)?tab=idm",
                                   Flash(.notice, "\(app.name) is out of quarantine: its held pushes go out again."))
        }
        for (path, active) in [("activate", true), ("deactivate", false)] {
            group.post("applications/:app/integration/\(path)") { _, context in
                let app = try await roster.applications.find(try context.parameters.require("app"))
                _ = try await roster.applications.setActive(active, application: app.name, by: try context.caller())
                let message = active ? "Identity Management for \(app.name) is active: Roster syncs it again."
                    : "Identity Management for \(app.name) is deactivated: Roster no longer syncs it."
                return portal.redirect("/applications/\(app.id.text)?tab=idm", Flash(.notice, message))
            }
        }
        PortalImport(portal: portal).addRoutes(to: group)
    }

    /// The values every application page shows.
    func base(_ app: RosterCore.Application, _ integration: Integration?) -> [String: Any] {
        let (status, statusClass) = Self.status(integration)
        var values: [String: Any] = [
            "app": ["id": app.id.text, "name": app.name, "description": app.description ?? "", "created": PortalFormat.time(app.created)],
            "status": status, "statusClass": statusClass, "auth_bearer": integration == nil,
        ]
        if let integration {
            var facts: [String: Any] = ["url": integration.baseURL, "authKind": integration.credentials.kind,
                                        "lastError": integration.lastError ?? ""]
            if let sp = integration.serviceProvider {
                func yes(_ b: Bool) -> String { b ? "yes" : "no" }
                let paging = [sp.indexPagination ? "index" : nil, sp.cursorPagination ? "cursor (RFC 9865)" : nil].compactMap { $0 }
                facts["provider"] = ["patch": yes(sp.patchSupported), "filter": yes(sp.filterSupported), "sort": yes(sp.sortSupported),
                                     "etag": yes(sp.etagSupported), "paging": paging.isEmpty ? "index" : paging.joined(separator: ", "),
                                     "maxPageSize": sp.maxPageSize.map(String.init) ?? "not stated",
                                     "schemes": sp.authenticationSchemes.isEmpty ? "not stated" : sp.authenticationSchemes.joined(separator: ", ")]
            }
            values["integration"] = facts
            values["active"] = integration.status == .active
            values["quarantined"] = integration.status == .error
            values["auth_bearer"] = integration.credentials.kind == "bearer"
            values["auth_basic"] = integration.credentials.kind == "basic"
            values["auth_oauth2"] = integration.credentials.kind == "oauth2"
        }
        return values
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
