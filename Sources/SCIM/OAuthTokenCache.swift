import Foundation
import NIOCore

/// The access token of one OAuth client, shared by every client and call that uses it.
///
/// A token is fetched once and kept until shortly before it expires; callers that need one
/// while it is being fetched wait for that fetch instead of starting their own. A 401 from
/// the service provider drops it (``invalidate(_:)``), so the next call fetches a fresh one.
public actor OAuthTokenCache {
    private var token: String?
    private var expires: ContinuousClock.Instant = .now
    private var fetching: Task<(String, Duration), any Error>?
    /// Renew this long before the token expires, so none expires in the middle of a request.
    let margin: Duration

    public init(renewBefore margin: Duration = .seconds(60)) {
        self.margin = margin
    }

    /// The current token, fetched with `fetch` (answering the token and its lifetime) when there is none.
    func token(fetch: @escaping @Sendable () async throws -> (String, Duration)) async throws -> String {
        if let token, ContinuousClock.now < expires { return token }
        let task = fetching ?? Task { try await fetch() }
        fetching = task
        defer { if fetching == task { fetching = nil } }
        let (access, lifetime) = try await task.value
        token = access
        expires = .now + max(.zero, lifetime - margin)
        return access
    }

    /// Forgets `token` (the provider refused it); a newer token that another call fetched meanwhile is kept.
    func invalidate(_ rejected: String) {
        if token == rejected { token = nil }
    }
}

/// Fetching a token: the form of RFC 6749 §4.4.2 with the client authenticated by HTTP basic.
extension SCIMClient {
    func fetchToken(tokenURL: String, clientID: String, clientSecret: String, scope: String?) async throws
        -> (String, Duration)
    {
        let credentials = Data("\(Self.formEncode(clientID)):\(Self.formEncode(clientSecret))".utf8)
            .base64EncodedString()
        var form = "grant_type=client_credentials"
        if let scope { form += "&scope=\(Self.formEncode(scope))" }
        let request = SCIMHTTPRequest(
            method: .POST, url: tokenURL,
            headers: [
                ("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json"),
                ("Authorization", "Basic \(credentials)"),
            ],
            body: Array(form.utf8))
        let answer = try await transport.execute(
            request, timeout: configuration.timeout,
            maxBodyBytes: configuration.maxResponseBytes)
        observer?.exchanged(method: "POST", path: "/token", status: answer.status, duration: nil)
        let json = (try? JSONDecoder().decode(JSONValue.self, from: Data(answer.body))) ?? .null
        guard (200..<300).contains(answer.status), let access = json["access_token"]?.text else {
            throw SCIMClientError(
                .unauthorized, "the OAuth token endpoint refused the client credentials", status: answer.status,
                detail: json["error_description"]?.text ?? json["error"]?.text, url: tokenURL)
        }
        return (access, .seconds(json["expires_in"]?.int ?? 3600))
    }

    static func formEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
