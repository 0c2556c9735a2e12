import Foundation
import Hummingbird
import RosterCore

/// The page where a user chooses a password through an activation or reset link.
/// Works without JavaScript; the token stays out of logs and referrers.
struct ActivationPage {
    let accounts: AccountService

    struct Form: Decodable {
        let token: String
        let password: String
        let confirm: String
    }

    func addRoutes(to router: Router<APIContext>) {
        router.get("activate") { request, _ in
            let token = request.query("token") ?? ""
            switch try await accounts.linkState(token: token) {
            case .valid(let email): return page(.ok, form(token: token, email: email, error: nil))
            case .used: return page(.gone, message("This link was already used. Ask your administrator for a new one."))
            case .expired: return page(.gone, message("This link has expired. Ask your administrator for a new one."))
            case .unknown:
                return page(.notFound, message("This link is not valid. Ask your administrator for a new one."))
            case .suspended:
                return page(.forbidden, message("This account is suspended. Ask your administrator."))
            }
        }
        router.post("activate") { request, _ in
            let body = try await request.body.collect(upTo: 16 * 1024)
            guard let form = try? URLEncodedFormDecoder().decode(Form.self, from: String(buffer: body)) else {
                return page(.badRequest, message("The form was incomplete. Open the link from your email again."))
            }
            guard form.password == form.confirm else {
                return try await retry(form.token, error: "The two passwords differ.")
            }
            do {
                try await accounts.redeem(token: form.token, password: form.password)
                return page(.ok, message("Your password is set. You can close this page."))
            } catch let error as RosterError {
                if case .invalid(let reason) = error, reason.hasPrefix("the password") {
                    return try await retry(form.token, error: PortalFormat.sentence(reason))
                }
                let status: HTTPResponse.Status = if case .notFound = error { .notFound } else { .gone }
                return page(
                    status, message(PortalFormat.sentence(error.description)))
            }
        }
    }

    private func retry(_ token: String, error: String) async throws -> Response {
        guard case .valid(let email) = try await accounts.linkState(token: token) else {
            return page(.gone, message("This link can no longer be used. Ask your administrator for a new one."))
        }
        return page(.badRequest, form(token: token, email: email, error: error))
    }

    private func form(token: String, email: String, error: String?) -> String {
        """
        <h1>Choose your password</h1>
        <p>For <strong>\(html(email))</strong>. At least \(PasswordRules.minimumLength) characters; \
        common passwords are refused.</p>
        \(error.map { "<p class=\"error\" role=\"alert\">\(html($0))</p>" } ?? "")
        <form method="post" action="/activate">
          <input type="hidden" name="token" value="\(html(token))">
          <label>Password <input type="password" name="password" autocomplete="new-password" required \
        minlength="\(PasswordRules.minimumLength)" autofocus></label>
          <label>Again <input type="password" name="confirm" autocomplete="new-password" required></label>
          <button type="submit">Set password</button>
        </form>
        """
    }

    private func message(_ text: String) -> String { "<h1>Roster</h1><p>\(html(text))</p>" }

    private func page(_ status: HTTPResponse.Status, _ content: String) -> Response {
        let document = """
            <!doctype html><html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width">
            <title>Roster</title><style>body{font:16px system-ui;max-width:32rem;margin:3rem auto;padding:0 1rem}
            label{display:block;margin:1rem 0}input{display:block;width:100%;padding:.5rem}
            .error{color:#b00020}</style></head>
            <body>\(content)</body></html>
            """
        return Response(
            status: status,
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                .init("Referrer-Policy")!: "no-referrer",
                // The page sets a password: no other site may frame it (clickjacking).
                .contentSecurityPolicy:
                    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; "
                    + "base-uri 'none'",
                .init("X-Frame-Options")!: "DENY", .init("X-Content-Type-Options")!: "nosniff",
            ],
            body: .init(byteBuffer: ByteBuffer(string: document)))
    }
}

/// Text as HTML: nothing a user or a service provider typed is ever markup.
func html(_ text: String) -> String {
    var out = ""
    for c in text {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.append(c)
        }
    }
    return out
}
