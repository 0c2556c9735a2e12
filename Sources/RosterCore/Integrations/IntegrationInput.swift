import Foundation

/// An integration as an administrator typed it, before Roster accepts it: the SCIM URL and the
/// fields of one kind of authentication. Each door words a ``Problem`` in its own language.
public struct IntegrationInput: Sendable {
    public var scimURL: String
    public var authType: String
    public var token, user, password, tokenURL, clientID, clientSecret, scope: String?
    /// Whether the application may be reached on a private network or over http:// (see ``NetworkPolicy``).
    public var allowPrivateNetwork: Bool

    public init(
        scimURL: String, authType: String, token: String? = nil, user: String? = nil, password: String? = nil,
        tokenURL: String? = nil, clientID: String? = nil, clientSecret: String? = nil, scope: String? = nil,
        allowPrivateNetwork: Bool = false
    ) {
        self.allowPrivateNetwork = allowPrivateNetwork
        self.scimURL = scimURL
        self.authType = authType
        self.token = token
        self.user = user
        self.password = password
        self.tokenURL = tokenURL
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.scope = scope
    }

    public enum Field: String, Sendable, CaseIterable {
        case scimURL, authType, token, user, password, tokenURL, clientID, clientSecret
    }

    /// What is wrong with the input, and with which field.
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public enum Kind: Sendable, Equatable {
            case missing, invalid, unknown
            /// An http:// URL without the application's private network allowed.
            case unencrypted
        }
        public var field: Field
        public var kind: Kind
        /// The value that was refused (never a secret).
        public var value: String?

        /// The command line's and the API's wording.
        public var description: String {
            switch (field, kind) {
            case (_, .unencrypted):
                "the URL \"\(value ?? "")\" is not encrypted: use https://, or allow the application's private network "
                    + "(--allow-private-network, \"allowPrivateNetwork\": true) for a server on your own network"
            case (.scimURL, _): "the SCIM URL \"\(value ?? "")\" is not an http:// or https:// URL"
            case (.tokenURL, .invalid): "the OAuth token URL \"\(value ?? "")\" is not an http:// or https:// URL"
            case (.authType, _): "auth type must be bearer, basic or oauth2, not \"\(value ?? "")\""
            default: "auth type \(value ?? "") needs \"\(field.rawValue)\""
            }
        }
    }

    /// The credentials the input describes, or its first problem.
    public func credentials() throws(Problem) -> Credentials {
        func need(_ value: String?, _ field: Field) throws(Problem) -> String {
            guard let value, !value.isEmpty else { throw Problem(field: field, kind: .missing, value: authType) }
            return value
        }
        switch authType {
        case "bearer": return .bearer(token: try need(token, .token))
        case "basic": return .basic(user: try need(user, .user), password: try need(password, .password))
        case "oauth2":
            let url = try need(tokenURL, .tokenURL)
            guard Self.isWebURL(url) else { throw Problem(field: .tokenURL, kind: .invalid, value: url) }
            guard allowPrivateNetwork || !Self.isPlainHTTP(url) else {
                throw Problem(field: .tokenURL, kind: .unencrypted, value: url)
            }
            return .oauth(
                tokenURL: url, clientID: try need(clientID, .clientID),
                clientSecret: try need(clientSecret, .clientSecret), scope: scope?.nonEmpty)
        default: throw Problem(field: .authType, kind: .unknown, value: authType)
        }
    }

    /// The SCIM URL, checked.
    public func baseURL() throws(Problem) -> String {
        guard Self.isWebURL(scimURL) else { throw Problem(field: .scimURL, kind: .invalid, value: scimURL) }
        guard allowPrivateNetwork || !Self.isPlainHTTP(scimURL) else {
            throw Problem(field: .scimURL, kind: .unencrypted, value: scimURL)
        }
        return scimURL
    }

    static func isPlainHTTP(_ text: String) -> Bool {
        URL(string: text)?.scheme?.lowercased() == "http"
    }

    static func isWebURL(_ text: String) -> Bool {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased() else { return false }
        return ["http", "https"].contains(scheme) && !(url.host ?? "").isEmpty
    }
}
