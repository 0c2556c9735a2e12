import Foundation
import Hummingbird
import RosterApp
import RosterCore

/// Sign in and sign out. The sign-in form has its own CSRF token (a cookie and a hidden
/// field that must match) since there is no session yet to hold one.
struct PortalAuth {
    let portal: Portal
    static let loginCookie = "roster_login"

    func addRoutes(to router: Router<APIContext>) {
        router.get("login") { request, context in
            let next = Self.safeNext(request.query("next"))
            if let token = request.cookies[Portal.sessionCookie]?.value,
                try await portal.roster.sessions.authenticate(token: token, clientIp: context.remoteAddress) != nil
            {
                return Response.redirect(to: next, type: .normal)
            }
            let notice = request.query("signedOut") != nil ? "You are signed out." : nil
            return form(next: next, email: "", error: nil, notice: notice, status: .ok)
        }
        router.post("login") { request, context in
            let form = FormData(String(buffer: try await request.body.collect(upTo: 64 * 1024)))
            let next = Self.safeNext(form["next"])
            guard let expected = request.cookies[Self.loginCookie]?.value, let sent = form["_csrf"],
                constantTimeEqual(sent, expected)
            else {
                return self.form(
                    next: next, email: form["email"] ?? "",
                    error: "The sign-in form had expired. Please sign in again.",
                    notice: nil, status: .forbidden)
            }
            do {
                let signedIn = try await portal.roster.sessions.signIn(
                    email: form["email"] ?? "", password: form.raw("password") ?? "", clientIp: context.remoteAddress,
                    requestId: context.id)
                let after =
                    switch signedIn.session.stage {
                    case .complete: next
                    case .secondFactor: "/login/mfa?next=" + Self.encoded(next)
                    case .enrol: "/account/mfa?next=" + Self.encoded(next)
                    }
                var response = Response.redirect(to: after, type: .normal)
                // A browser-session cookie: the database decides when the session ends (idle time, sign-out).
                response.setCookie(portal.cookie(Portal.sessionCookie, signedIn.token))
                response.setCookie(portal.expired(Self.loginCookie))
                return response
            } catch let error as RosterError {
                let status: HTTPResponse.Status = if case .invalid = error { .badRequest } else { .unauthorized }
                let message = PortalFormat.sentence(error.description)
                return self.form(next: next, email: form["email"] ?? "", error: message, notice: nil, status: status)
            }
        }
    }

    /// The second step of a sign-in, and sign-out: behind the session middleware, so they need
    /// the session's CSRF token.
    func addSessionRoutes(to group: RouterGroup<APIContext>) {
        group.get("login/mfa") { request, context in
            secondStep(next: Self.safeNext(request.query("next")), error: nil, context: context, status: .ok)
        }
        group.post("login/mfa") { request, context in
            let next = Self.safeNext(context.form["next"])
            guard let token = request.cookies[Portal.sessionCookie]?.value else {
                return Response.redirect(to: "/login", type: .normal)
            }
            do {
                try await portal.roster.sessions.verifySecondFactor(
                    token: token, code: context.form["code"] ?? "", clientIp: context.remoteAddress,
                    requestId: context.id)
            } catch let error as RosterError {
                let message = PortalFormat.sentence(error.description)
                return secondStep(next: next, error: message, context: context, status: .unauthorized)
            }
            return Response.redirect(to: next, type: .normal)
        }
        group.post("logout") { request, _ in
            if let token = request.cookies[Portal.sessionCookie]?.value {
                try await portal.roster.sessions.signOut(token: token)
            }
            var response = Response.redirect(to: "/login?signedOut=1", type: .normal)
            response.setCookie(portal.expired(Portal.sessionCookie))
            return response
        }
    }

    private func secondStep(next: String, error: String?, context: APIContext, status: HTTPResponse.Status) -> Response
    {
        var values: [String: Any] = ["csrf": context.session?.csrfToken ?? "", "next": next]
        if let error { values["error"] = error }
        return portal.html(portal.templates.render(values, withTemplate: "login-mfa") ?? "", status: status)
    }

    static func encoded(_ path: String) -> String {
        path.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/"
    }

    private func form(next: String, email: String, error: String?, notice: String?, status: HTTPResponse.Status)
        -> Response
    {
        let token = Digest.randomToken(prefix: "")
        var values: [String: Any] = ["csrf": token, "next": next, "email": email]
        if let error { values["error"] = error }
        if let notice { values["notice"] = notice }
        var response = portal.html(portal.templates.render(values, withTemplate: "login") ?? "", status: status)
        response.setCookie(portal.cookie(Self.loginCookie, token, maxAge: 3600))
        return response
    }

    /// Where to go after signing in: only a path on this site.
    /// Where to go after signing in: a path of this site only. Browsers drop tabs and newlines from
    /// a URL and read a backslash as a slash, so `/\t/evil.example/` would lead away: a path with
    /// any control character, space, backslash or non-ASCII is refused, as is one starting with `//`.
    static func safeNext(_ text: String?) -> String {
        guard let text, text.hasPrefix("/"), !text.hasPrefix("//"), !text.hasPrefix("/login"),
            text.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7f && $0 != "\\" })
        else {
            return "/applications"
        }
        return text
    }
}
