import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// How Roster proves itself to a service provider.
public enum SCIMAuthentication: Sendable, Hashable {
    case none
    case bearer(token: String)
    case basic(user: String, password: String)
    /// OAuth 2.0 client credentials grant (RFC 6749 §4.4).
    case oauthClientCredentials(tokenURL: String, clientID: String, clientSecret: String, scope: String?)
}

/// Fetches OAuth access tokens and keeps them until shortly before they expire.
actor OAuthTokenCache {
    private var token: String?
    private var expires: Date = .distantPast

    func token(
        tokenURL: String, clientID: String, clientSecret: String, scope: String?,
        forceRefresh: Bool, fetch: (HTTPClientRequest) async throws -> (Int, JSONValue)
    ) async throws -> String {
        if !forceRefresh, let token, Date() < expires { return token }
        var request = HTTPClientRequest(url: tokenURL)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        let credentials = Data("\(Self.formEncode(clientID)):\(Self.formEncode(clientSecret))".utf8).base64EncodedString()
        request.headers.add(name: "Authorization", value: "Basic \(credentials)")
        var form = "grant_type=client_credentials"
        if let scope { form += "&scope=\(Self.formEncode(scope))" }
        request.body = .bytes(ByteBuffer(string: form))
        let (status, json) = try await fetch(request)
        guard (200..<300).contains(status), let access = json["access_token"]?.text else {
            throw SCIMClientError(
                .unauthorized, "the OAuth token endpoint refused the client credentials", status: status,
                detail: json["error_description"]?.text ?? json["error"]?.text, url: tokenURL)
        }
        // Refresh a minute early so a token never expires in the middle of a request.
        let lifetime = Double(json["expires_in"]?.int ?? 3600)
        token = access
        expires = Date().addingTimeInterval(max(0, lifetime - 60))
        return access
    }

    static func formEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
