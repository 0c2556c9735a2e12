import Foundation
import Hummingbird
import RosterApp
import RosterCore

/// Administrators and API keys: the admin role only (the services refuse the others).
struct PortalAdministrators {
    let portal: Portal
    var roster: Roster { portal.roster }

    func addRoutes(to group: RouterGroup<APIContext>) {
        group.get("administrators") { _, context in
            try await render(context, newKey: nil)
        }
        group.post("administrators") { _, context in
            let form = context.form
            let admin = try await roster.administrators.create(
                email: form["email"] ?? "", role: try Role.parse(form["role"] ?? "readonly"),
                password: form.raw("password") ?? "", by: try context.caller())
            return portal.redirect(
                "/administrators", Flash(.notice, "Administrator \(admin.email) (\(admin.role.rawValue)) added."))
        }
        group.post("apikeys") { _, context in
            let caller = try context.caller()
            let (key, secret) = try await roster.administrators.createAPIKey(
                name: context.form["name"] ?? "", role: try Role.parse(context.form["role"] ?? "readonly"),
                owner: caller.email, by: caller)
            // Shown on this response only: a redirect would have to carry the secret somewhere.
            return try await render(context, newKey: ["name": key.name, "role": key.role.rawValue, "secret": secret])
        }
    }

    private func render(_ context: APIContext, newKey: [String: String]?) async throws -> Response {
        let caller = try context.caller()
        let admins = try await roster.administrators.list(by: caller)
        let emails = Dictionary(admins.map { ($0.id, $0.email) }, uniquingKeysWith: { a, _ in a })
        let keys = try await roster.administrators.apiKeys(by: caller)
        var values: [String: Any] = [
            "admins": admins.map {
                ["email": $0.email, "role": $0.role.rawValue, "created": PortalFormat.time($0.created)]
            },
            "keys": keys.map { k in
                [
                    "name": k.name, "role": k.role.rawValue,
                    "owner": k.administratorId.flatMap { emails[$0] } ?? "nobody",
                    "created": PortalFormat.time(k.created),
                ]
            },
            "minimumPassword": AdministratorService.minimumPasswordLength,
        ]
        // Mustache shows a nil inside Any as "nil": absent keys are left out instead.
        if let newKey { values["newKey"] = newKey }
        return portal.page(
            "administrators", title: "Administrators", section: "administrators", values, context: context)
    }
}
