import Foundation
import Hummingbird
import RosterApp
import RosterCore

/// User groups: create, members, bindings to applications.
struct PortalGroups {
    let portal: Portal
    var roster: Roster { portal.roster }

    func addRoutes(to group: RouterGroup<APIContext>) {
        group.get("groups") { _, context in
            let caller = try context.caller()
            let apps = Dictionary(
                try await roster.applications.list(search: nil, by: caller).map { ($0.0.id, $0.0.name) },
                uniquingKeysWith: { a, _ in a })
            let rows = try await roster.groups.list(by: caller).map { g -> [String: Any] in
                [
                    "id": g.0.id.text, "name": g.0.name, "members": g.members,
                    "applications": g.applications.compactMap { apps[$0] }.sorted().joined(separator: ", "),
                ]
            }
            return portal.page("groups", title: "User groups", section: "groups", ["groups": rows], context: context)
        }
        group.post("groups") { _, context in
            let created = try await roster.groups.create(name: context.form["name"] ?? "", by: try context.caller())
            return portal.redirect("/groups/\(created.id.text)", Flash(.notice, "Group \(created.name) created."))
        }
        group.get("groups/:id") { _, context in
            let caller = try context.caller()
            let details = try await roster.groups.details(group: try context.path("id"), by: caller)
            let bound = Set(details.applications.map(\.id))
            let unbound = try await roster.applications.list(search: nil, by: caller).map(\.0).filter {
                !bound.contains($0.id)
            }
            let values: [String: Any] = [
                "group": ["id": details.group.id.text, "name": details.group.name],
                "bound": details.applications.map { ["id": $0.id.text, "name": $0.name] },
                "unbound": unbound.map { ["id": $0.id.text, "name": $0.name] }, "hasUnbound": !unbound.isEmpty,
                "members": details.members.map {
                    ["id": $0.id.text, "email": $0.email, "label": $0.label, "state": $0.state.rawValue]
                },
                "memberCount": details.memberCount, "moreMembers": details.memberCount > details.members.count,
                "shown": details.members.count,
            ]
            return portal.page("group", title: details.group.name, section: "groups", values, context: context)
        }
        group.post("groups/:id/members") { _, context in
            let id = try context.path("id")
            let emails = (context.form["email"] ?? "").split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\n" })
                .map(String.init)
            try await roster.groups.addMembers(group: id, emails: emails, by: try context.caller())
            return portal.redirect("/groups/\(id)", Flash(.notice, "Added \(emails.joined(separator: ", "))."))
        }
        group.post("groups/:id/members/remove") { _, context in
            let id = try context.path("id")
            let email = context.form["email"] ?? ""
            try await roster.groups.removeMembers(group: id, emails: [email], by: try context.caller())
            return portal.redirect("/groups/\(id)", Flash(.notice, "Removed \(email)."))
        }
        // Binding first says what it would do to the application's group of the same name.
        group.post("groups/:id/bindings/preview") { _, context in
            let caller = try context.caller()
            let id = try context.path("id")
            let details = try await roster.groups.details(group: id, limit: 1, by: caller)
            let app = try await roster.applications.find(context.form["application"] ?? "")
            let preview = try await roster.groups.previewBinding(group: id, application: app.id.text, by: caller)
            let values: [String: Any] = [
                "group": ["id": details.group.id.text, "name": details.group.name],
                "app": ["id": app.id.text, "name": app.name],
                "summary": preview.summary, "adopts": preview.existingGroupId != nil,
                "foreign": preview.notAddedByRoster, "hasForeign": !preview.notAddedByRoster.isEmpty,
            ]
            return portal.page(
                "group-bind", title: "Bind \(details.group.name)", section: "groups", values, context: context)
        }
        group.post("groups/:id/bindings") { _, context in
            let id = try context.path("id")
            let application = context.form["application"] ?? ""
            let authoritative = context.form["authoritative"] != nil
            try await roster.groups.bind(
                group: id, application: application, authoritative: authoritative, by: try context.caller())
            let app = try await roster.applications.find(application)
            return portal.redirect(
                "/groups/\(id)", Flash(.notice, "Bound to \(app.name): its members are being provisioned."))
        }
        group.post("groups/:id/bindings/remove") { _, context in
            let id = try context.path("id")
            let application = context.form["application"] ?? ""
            try await roster.groups.unbind(group: id, application: application, by: try context.caller())
            let app = try await roster.applications.find(application)
            return portal.redirect("/groups/\(id)", Flash(.notice, "Unbound from \(app.name)."))
        }
    }
}
