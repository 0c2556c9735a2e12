/// Why a call to a service provider failed, in words an administrator can act on.
///
/// `Kind` is open for new cases; callers switch on it with a default.
public struct SCIMClientError: Error, Sendable, CustomStringConvertible {
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        let name: String
        public static let unreachable = Kind(name: "unreachable")
        public static let timeout = Kind(name: "timeout")
        public static let httpStatus = Kind(name: "httpStatus")
        public static let unauthorized = Kind(name: "unauthorized")
        public static let notFound = Kind(name: "notFound")
        public static let conflict = Kind(name: "conflict")
        public static let unexpectedResponse = Kind(name: "unexpectedResponse")
        public static let bodyTooLarge = Kind(name: "bodyTooLarge")
        public static let invalidConfiguration = Kind(name: "invalidConfiguration")
        /// Roster refused to make the call: the address is outside what the integration may reach.
        public static let refused = Kind(name: "refused")
        public var description: String { name }
    }

    public let kind: Kind
    public let message: String
    public var status: Int?
    public var scimType: String?
    public var detail: String?
    public var url: String?

    public init(
        _ kind: Kind, _ message: String, status: Int? = nil, scimType: String? = nil,
        detail: String? = nil, url: String? = nil
    ) {
        self.kind = kind
        self.message = message
        self.status = status
        self.scimType = scimType
        self.detail = detail
        self.url = url
    }

    public var description: String {
        var text = message
        if let status { text += " (HTTP \(status)" + (scimType.map { ", scimType \($0)" } ?? "") + ")" }
        if let detail, !detail.isEmpty, !message.contains(detail) { text += ": \(detail)" }
        if let url { text += " [\(url)]" }
        return text
    }
}
