import Foundation
import Hummingbird
import RosterApp
import RosterCore

/// The signed-in administrator's own account: two-step sign-in and signing out everywhere.
struct PortalAccount {
    let portal: Portal
    var roster: Roster { portal.roster }

    func addRoutes(to group: RouterGroup<APIContext>) {
        group.get("account") { _, context in
            let caller = try context.caller()
            let enrolled = try await roster.mfa.isEnrolled(by: caller)
            return portal.page(
                "account", title: "Your account", section: "account", ["mfa": enrolled], context: context)
        }
        group.get("account/mfa") { request, context in
            let caller = try context.caller()
            var enrolment = try await roster.mfa.pending(by: caller)
            if enrolment == nil { enrolment = try await roster.mfa.start(by: caller) }
            let replacing = try await roster.mfa.isEnrolled(by: caller)
            return try enrolPage(
                enrolment!, replacing: replacing, next: PortalAuth.safeNext(request.query("next")), context: context,
                status: .ok)
        }
        group.post("account/mfa") { request, context in
            let caller = try context.caller()
            let next = PortalAuth.safeNext(context.form["next"])
            let replacing = try await roster.mfa.isEnrolled(by: caller)
            let identity = MFAService.Identity(
                password: context.form["password"] ?? "", code: context.form["currentCode"] ?? "",
                clientIp: context.remoteAddress)
            do {
                let codes = try await roster.mfa.confirm(
                    code: context.form["code"] ?? "", identity: replacing ? identity : nil,
                    session: request.cookies[Portal.sessionCookie]?.value, by: caller)
                return portal.page(
                    "mfa-codes", title: "Two-step sign-in is on", section: "account",
                    ["codes": codes, "next": next], context: context)
            } catch let error as RosterError {
                // A wrong code or password is said on the same page; it does not sign the session out.
                switch error {
                case .invalid, .unauthorized: break
                default: throw error
                }
                guard let enrolment = try await roster.mfa.pending(by: caller) else { throw error }
                var retry = context
                retry.flash = Flash(
                    .error, PortalFormat.sentence(error.description))
                return try enrolPage(
                    enrolment, replacing: replacing, next: next, context: retry, status: .badRequest)
            }
        }
        group.post("account/signout-everywhere") { _, context in
            try await roster.sessions.signOutEverywhere(by: try context.caller())
            var response = Response.redirect(to: "/login?signedOut=1", type: .normal)
            response.setCookie(portal.expired(Portal.sessionCookie))
            return response
        }
    }

    private func enrolPage(
        _ enrolment: MFAService.Enrolment, replacing: Bool, next: String?, context: APIContext,
        status: HTTPResponse.Status
    ) throws -> Response {
        let qr = try QRCode(text: enrolment.uri).svg(label: "QR code of the authenticator secret")
        let values: [String: Any] = [
            "qr": qr, "secret": enrolment.text, "required": context.session?.stage == .enrol,
            "next": next ?? "/applications", "replacing": replacing,
        ]
        return portal.page(
            "mfa-enrol", title: "Set up two-step sign-in", section: "account", values, context: context,
            status: status)
    }
}
