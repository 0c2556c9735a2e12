import Foundation
import Hummingbird
import RosterApp
import RosterCore
import SCIM

/// Administrators and API keys, from creation to offboarding: the admin role only (the
/// services refuse the others).
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
        // One change to one administrator, each behind its own form: those with a value first.
        let actions: [(String, @Sendable (Roster, String, FormData, Initiator) async throws -> String)] = [
            (
                "role",
                { roster, email, form, caller in
                    let role = form["role"] ?? ""
                    let stopped = try await roster.administrators.setRole(email: email, roleNamed: role, by: caller)
                    return "\(email) is now \(role); their sessions ended"
                        + AdministratorService.stoppedSchedules(stopped)
                }
            ),
            (
                "password",
                { roster, email, form, caller in
                    try await roster.administrators.setPassword(
                        email: email, password: form.raw("password") ?? "", by: caller)
                    return "\(email) has a new password; their sessions ended"
                }
            ),
        ]
        for (action, perform) in actions {
            group.post("administrators/:email/\(action)") { _, context in
                let message = try await perform(roster, try context.path("email"), context.form, try context.caller())
                return portal.redirect("/administrators", Flash(.notice, PortalFormat.sentence(message)))
            }
        }
        for change in AdministratorService.Change.allCases {
            group.post("administrators/:email/\(change.rawValue)") { _, context in
                let done = try await roster.administrators.apply(
                    change, email: try context.path("email"), by: try context.caller())
                return portal.redirect("/administrators", Flash(.notice, PortalFormat.sentence(done)))
            }
        }
        group.post("apikeys") { _, context in
            let caller = try context.caller()
            let days = try context.form["expiresInDays"].map { text in
                guard let days = CheckedNumber.read(text, in: 1...3650) else {
                    throw RosterError.invalid("choose how many days the key works (1 to 3650), or never")
                }
                return TimeInterval(days) * 86400
            }
            let (key, secret) = try await roster.keys.create(
                name: context.form["name"] ?? "", role: try context.form["role"].map(Role.parse) ?? .readonly,
                owner: caller.email, expiresIn: days, by: caller)
            // Shown on this response only: a redirect would have to carry the secret somewhere.
            return try await render(context, newKey: ["name": key.name, "role": key.role.rawValue, "secret": secret])
        }
        group.post("apikeys/:id/revoke") { _, context in
            try await roster.keys.revoke(id: try context.id("id", "API key"), by: try context.caller())
            return portal.redirect("/administrators", Flash(.notice, "The API key was revoked: it no longer works."))
        }
    }

    private func render(_ context: APIContext, newKey: [String: String]?) async throws -> Response {
        let caller = try context.caller()
        let admins = try await roster.administrators.list(by: caller)
        let owned = try await roster.administrators.schedulesOwned(by: caller)
        let keys = try await roster.keys.list(by: caller)
        var values: [String: Any] = [
            "admins": admins.map { admin -> [String: Any] in
                [
                    "email": admin.email,
                    "path": admin.email.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "",
                    "role": admin.role.rawValue, "created": PortalFormat.time(admin.created),
                    "disabled": admin.disabled,
                    "mfa": admin.mfaEnabled, "isMe": admin.id == caller.id,
                    "schedules": (owned[admin.id] ?? []).joined(separator: ", "),
                    "roles": Role.allCases.map { ["value": $0.rawValue, "selected": $0 == admin.role] },
                ]
            },
            "keys": keys.map { listing -> [String: Any] in
                let k = listing.key
                return [
                    "id": k.id.text, "name": k.name, "role": k.role.rawValue,
                    "owner": listing.administrator ?? "nobody",
                    "created": PortalFormat.time(k.created), "expires": k.expires.map(PortalFormat.time) ?? "never",
                    "lastUsed": k.lastUsed.map(PortalFormat.time) ?? "never",
                    "status": listing.status.rawValue, "usable": listing.status == .active,
                ]
            },
            "minimumPassword": PasswordRules.minimumLength,
        ]
        // Mustache shows a nil inside Any as "nil": absent keys are left out instead.
        if let newKey { values["newKey"] = newKey }
        return portal.page(
            "administrators", title: "Administrators", section: "administrators", values, context: context)
    }
}
