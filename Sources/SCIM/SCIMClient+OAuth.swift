import Foundation

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
        let json = (try? JSONParser.parse(answer.body)) ?? .null
        guard (200..<300).contains(answer.status), let access = json["access_token"]?.text else {
            throw SCIMClientError(
                .unauthorized, "the OAuth token endpoint refused the client credentials", status: answer.status,
                detail: json["error_description"]?.text ?? json["error"]?.text, url: tokenURL)
        }
        // A lifetime the provider chose, held to a minute … a week: a negative or huge one would
        // make every request fetch a token, or keep one past its end.
        let lifetime = json["expires_in"]?.int.map { min(max($0, 60), 7 * 86400) } ?? 3600
        return (access, .seconds(lifetime))
    }

    static func formEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
