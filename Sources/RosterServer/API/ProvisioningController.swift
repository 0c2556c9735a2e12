import Foundation
import Hummingbird
import RosterApp
import RosterCore

/// `/api/v1`: groups, bindings, provisioning log and safeguards, and account registration.
struct ProvisioningController {
    let roster: Roster

    struct GroupBody: Decodable { let name: String }
    struct PasswordBody: Decodable { let password: String }
    struct SettingsBody: Decodable {
        let deprovision: String?
        let allowPrivateNetwork: Bool?
        let rateLimit: String?
    }
    struct ScheduleBody: Decodable {
        let every, cron, filter: String?
        let dryRun: Bool?
    }
    struct GroupJSON: Encodable {
        let id, name: String
        let members: Int
        let applicationIds: [String]
    }
    struct BindingPreviewJSON: Encodable {
        let application, group, summary: String
        let existingGroupId: String?
        let existingMembers, membersToAdd: Int
        let notAddedByRoster: [String]
        let authoritative: Bool

        init(_ p: BindingPreview) {
            (application, group, summary, existingGroupId) = (p.application, p.group, p.summary, p.existingGroupId)
            (existingMembers, membersToAdd, notAddedByRoster, authoritative) =
                (p.existingMembers, p.membersToAdd, p.notAddedByRoster, p.authoritative)
        }
    }
    struct Done: Encodable {
        let ok: Bool
        let count: Int?
    }

    func addRoutes(to group: RouterGroup<APIContext>) {
        group.get("groups") { _, context in
            let rows = try await roster.groups.list(by: try context.caller())
            return try [
                "groups": rows.map {
                    GroupJSON(
                        id: $0.0.id.text, name: $0.0.name, members: $0.members,
                        applicationIds: $0.applications.map(\.text))
                }
            ].response()
        }
        group.post("groups") { request, context in
            let body = try await request.decode(as: GroupBody.self, context: context)
            let created = try await roster.groups.create(name: body.name, by: try context.caller())
            return try GroupJSON(id: created.id.text, name: created.name, members: 0, applicationIds: []).response(
                .created)
        }
        group.get("groups/:group/members") { request, context in
            // A page by the last member's id: the same cost in a group of any size.
            let limit = try request.intQuery("limit") ?? 100
            let after = try request.query("after").map { text in
                guard let id = UUID(text: text) else {
                    throw RosterError.invalid("after is a member's id, not \(text)")
                }
                return id
            }
            let users = try await roster.groups.members(
                group: try context.path("group"), after: after, limit: limit, by: try context.caller())
            return try UsersPageJSON(
                users: users.map(UserJSON.init), nextCursor: users.count == limit ? users.last?.id.text : nil
            ).response()
        }
        group.put("groups/:group/members/:email") { _, context in
            try await roster.groups.addMembers(
                group: try context.path("group"),
                emails: [try context.path("email")], by: try context.caller())
            return try Done(ok: true, count: nil).response()
        }
        group.delete("groups/:group/members/:email") { _, context in
            try await roster.groups.removeMembers(
                group: try context.path("group"),
                emails: [try context.path("email")], by: try context.caller())
            return try Done(ok: true, count: nil).response()
        }
        group.put("groups/:group/bindings/:app") { request, context in
            let authoritative = try request.boolQuery("authoritative") ?? false
            let (group, app) = (try context.path("group"), try context.path("app"))
            if try request.boolQuery("dryRun") == true {
                let preview = try await roster.groups.previewBinding(
                    group: group, application: app, authoritative: authoritative, by: try context.caller())
                return try BindingPreviewJSON(preview).response()
            }
            try await roster.groups.bind(
                group: group, application: app, authoritative: authoritative, by: try context.caller())
            return try Done(ok: true, count: nil).response()
        }
        group.delete("groups/:group/bindings/:app") { _, context in
            try await roster.groups.unbind(
                group: try context.path("group"),
                application: try context.path("app"), by: try context.caller())
            return try Done(ok: true, count: nil).response()
        }
        group.get("applications/:app/provisioning-log") { request, context in
            let user = try request.query("userId").map { text in
                guard let id = UUID(uuidString: text) else {
                    throw RosterError.invalid("userId \"\(text)\" is not a user id")
                }
                return id
            }
            let entries = try await roster.provisioningLog.entries(
                application: try context.path("app"), user: user, limit: try request.intQuery("limit") ?? 1000,
                offset: try request.intQuery("offset") ?? 0, by: try context.caller())
            return try ["entries": entries.map(ProvisioningLogJSON.init)].response()
        }
        group.post("applications/:app/provisioning/confirm") { _, context in
            let count = try await roster.provisioning.confirmHeld(
                application: try context.path("app"),
                by: try context.caller())
            return try Done(ok: true, count: count).response()
        }
        group.post("applications/:app/integration/release") { _, context in
            let name = try context.path("app")
            let integration = try await roster.applications.release(application: name, by: try context.caller())
            return try ApplicationJSON(try await roster.applications.find(name), integration).response()
        }
        group.put("applications/:app/settings") { request, context in
            let body = try await request.decode(as: SettingsBody.self, context: context)
            try await roster.applications.change(
                .init(
                    deprovision: body.deprovision, allowPrivateNetwork: body.allowPrivateNetwork,
                    rateLimit: body.rateLimit),
                application: try context.path("app"), by: try context.caller())
            return try Done(ok: true, count: nil).response()
        }
        group.get("applications/:app/schedule") { _, context in
            let name = try context.path("app")
            guard let schedule = try await roster.schedules.schedule(application: name, by: try context.caller()) else {
                throw RosterError.notFound("imports of \(name) are not scheduled")
            }
            return try ScheduleJSON(schedule, application: name).response()
        }
        group.put("applications/:app/schedule") { request, context in
            let body = try await request.decode(as: ScheduleBody.self, context: context)
            let name = try context.path("app")
            let schedule = try await roster.schedules.set(
                application: name, every: body.every, cron: body.cron, filter: body.filter,
                dryRun: body.dryRun ?? false, by: try context.caller())
            return try ScheduleJSON(schedule, application: name).response()
        }
        group.delete("applications/:app/schedule") { _, context in
            try await roster.schedules.off(application: try context.path("app"), by: try context.caller())
            return try Done(ok: true, count: nil).response()
        }
        group.get("applications/:app/mapping") { _, context in
            let current = try await roster.mappings.current(
                application: try context.path("app"), by: try context.caller())
            return try MappingJSON(current).response()
        }
        group.put("applications/:app/mapping") { request, context in
            let mapping = try await request.decode(as: AttributeMapping.self, context: context)
            let saved = try await roster.mappings.set(
                application: try context.path("app"), mapping: mapping, by: try context.caller())
            return try MappingJSON(saved.version, preview: saved.preview).response()
        }
        group.post("users/:id/password") { request, context in
            let body = try await request.decode(as: PasswordBody.self, context: context)
            let user = try await roster.directory.user(id: try context.id("id", "user"), by: try context.caller())
            try await roster.accounts.setPassword(email: user.email, password: body.password, by: try context.caller())
            return try Done(ok: true, count: nil).response()
        }
        group.post("users/:id/activation-email") { _, context in
            let user = try await roster.directory.user(id: try context.id("id", "user"), by: try context.caller())
            try await roster.accounts.sendLink(email: user.email, by: try context.caller())
            return try Done(ok: true, count: nil).response(.accepted)
        }
    }
}
