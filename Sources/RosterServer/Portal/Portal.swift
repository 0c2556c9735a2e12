import Foundation
import Hummingbird
import Mustache
import NIOCore
import RosterApp
import RosterCore

/// The Admin Portal: server-rendered pages over the same domain services as the API and
/// the command line. Templates escape every value (Mustache `{{name}}`), so whatever a
/// service provider sends is shown as text.
struct Portal: Sendable {
    let roster: Roster
    let templates: MustacheLibrary
    /// Cookies get `Secure` when people reach Roster over TLS (directly or through a proxy).
    let secureCookies: Bool

    static let sessionCookie = "roster_session"

    init(roster: Roster) throws {
        self.roster = roster
        guard let folder = Bundle.module.resourceURL?.appendingPathComponent("Templates") else {
            throw RosterError.internal("the portal's templates are missing from the build")
        }
        var library = MustacheLibrary()
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter {
            $0.hasSuffix(".mustache")
        }
        for file in files {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            try library.register(text, named: String(file.dropLast(".mustache".count)))
        }
        templates = library
        secureCookies = roster.configuration.publicURL.lowercased().hasPrefix("https://")
    }

    /// A page inside the portal's frame, for the signed-in administrator.
    func page(
        _ template: String, title: String, section: String, _ data: [String: Any], context: APIContext,
        status: HTTPResponse.Status = .ok
    ) -> Response {
        var values = data
        values["title"] = title
        values["csrf"] = context.session?.csrfToken ?? ""
        if let me = context.initiator {
            values["me"] = ["email": me.email ?? "", "role": me.role.rawValue]
            values["canChange"] = me.role.allows(.change)
            values["isAdmin"] = me.role.allows(.manageAdministrators)
        }
        values["nav_" + section] = true
        if let flash = context.flash { values["flash"] = ["text": flash.text, "error": flash.kind == .error] }
        var response = html(
            templates.render(values, withTemplate: template) ?? "template \(template) is missing", status: status)
        if context.flash != nil { response.setCookie(expired(Flash.cookieName)) }
        return response
    }

    func html(_ body: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = Self.securityHeaders
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// No inline script may run (so injected markup cannot either), no framing, no sniffing.
    static let securityHeaders: HTTPFields = [
        .contentSecurityPolicy:
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
            + "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        .cacheControl: "no-store",
        .init("X-Frame-Options")!: "DENY",
        .init("X-Content-Type-Options")!: "nosniff",
        .init("Referrer-Policy")!: "same-origin",
    ]

    /// After a change: back to a page, with a message for it.
    func redirect(_ location: String, _ flash: Flash? = nil) -> Response {
        var response = Response.redirect(to: location, type: .normal)
        if let flash { response.setCookie(cookie(Flash.cookieName, flash.cookieValue, maxAge: 60)) }
        return response
    }

    func cookie(_ name: String, _ value: String, maxAge: Int? = nil) -> Cookie {
        Cookie(
            name: name, value: value, maxAge: maxAge, path: "/", secure: secureCookies, httpOnly: true, sameSite: .lax)
    }

    func expired(_ name: String) -> Cookie { cookie(name, "", maxAge: 0) }

    /// An error page outside the frame (used when the request could not be served at all).
    func errorPage(_ status: HTTPResponse.Status, _ message: String) -> Response {
        let values: [String: Any] = [
            "title": "\(status.code) \(status.reasonPhrase)", "status": status.code, "message": message,
        ]
        return html(templates.render(values, withTemplate: "error") ?? message, status: status)
    }
}

/// Signs the request in from its session cookie, parses a posted form and refuses it
/// without the session's CSRF token. Every portal page but sign-in sits behind it.
struct PortalSessionMiddleware: RouterMiddleware {
    typealias Context = APIContext
    let portal: Portal

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response)
        async throws -> Response
    {
        var context = context
        guard let token = request.cookies[Portal.sessionCookie]?.value,
            let (initiator, session) = try await portal.roster.sessions.authenticate(
                token: token, clientIp: context.remoteAddress, requestId: context.id)
        else {
            let target = request.method == .get ? request.uri.description : "/"
            return Response.redirect(
                to: "/login?next=" + (target.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/"),
                type: .normal)
        }
        context.initiator = initiator
        context.session = session
        if request.method == .post {
            let body = try await request.body.collect(upTo: 4 << 20)
            context.form = FormData(String(buffer: body))
            guard let sent = context.form["_csrf"], constantTimeEqual(sent, session.csrfToken) else {
                return portal.errorPage(
                    .forbidden,
                    "This form did not come from this Roster page (its security token is missing or stale). Go back, "
                        + "reload the page and try again."
                )
            }
        }
        context.flash = request.cookies[Flash.cookieName].flatMap { Flash(cookieValue: $0.value) }
        // A sign-in that still owes its second factor, or must enrol one, opens only that step.
        let path = request.uri.path
        switch session.stage {
        case .complete: break
        case .secondFactor where path != "/login/mfa" && path != "/logout":
            return Response.redirect(to: "/login/mfa", type: .normal)
        case .enrol where path != "/account/mfa" && path != "/logout":
            return Response.redirect(to: "/account/mfa", type: .normal)
        default: break
        }
        return try await next(request, context)
    }
}

/// Domain errors become pages: a refused permission is a 403 page; a rejected change goes
/// back to the page it came from with the reason on top.
struct PortalErrorMiddleware: RouterMiddleware {
    typealias Context = APIContext
    let portal: Portal

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response)
        async throws -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as RosterError {
            switch error {
            case .internal:
                context.logger.error("portal request failed", metadata: ["error": "\(String(reflecting: error))"])
                return portal.errorPage(.internalServerError, error.publicMessage(requestId: context.id) + ".")
            case .forbidden(let reason):
                return portal.errorPage(
                    .forbidden, "You cannot do this: \(reason). Ask an administrator with more rights.")
            case .unauthorized:
                return Response.redirect(to: "/login", type: .normal)
            default:
                let message = PortalFormat.sentence(error.description)
                if request.method == .post, let back = sameOriginPath(request.headers[.referer]) {
                    return portal.redirect(back, Flash(.error, message))
                }
                let status: HTTPResponse.Status = if case .notFound = error { .notFound } else { .badRequest }
                return portal.errorPage(status, message)
            }
        } catch let error as HTTPError {
            return portal.errorPage(error.status, error.body ?? error.status.reasonPhrase)
        } catch is NIOTooManyBytesError {
            return portal.errorPage(.contentTooLarge, "The form is larger than this page accepts.")
        } catch {
            context.logger.error("portal request failed", metadata: ["error": "\(String(reflecting: error))"])
            return portal.errorPage(
                .internalServerError, RosterError.internal("").publicMessage(requestId: context.id) + ".")
        }
    }
}

/// The path and query of a URL on this site; nil for anything that could lead elsewhere.
func sameOriginPath(_ text: String?) -> String? {
    guard let text, let url = URL(string: text) else { return nil }
    let path = url.path.isEmpty ? "/" : url.path
    guard path.hasPrefix("/"), !path.hasPrefix("//") else { return nil }
    return path + (url.query.map { "?" + $0 } ?? "")
}

/// Compares secrets without leaking, through timing, how much of them matched.
func constantTimeEqual(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8), y = Array(b.utf8)
    guard x.count == y.count else { return false }
    return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
}

/// As in JavaScript Mustache, an empty string counts as no value: `{{#reason}}…{{/reason}}`
/// shows nothing for a blank reason, and a blank link is no link.
extension String: @retroactive MustacheCustomRenderable {
    public var renderText: String { self }
    public var isNull: Bool { isEmpty }
}
