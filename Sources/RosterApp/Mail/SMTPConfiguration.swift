import Foundation
import RosterCore

/// Where to send email, from `ROSTER_SMTP_URL`:
/// `smtp://user:pass@host:587` (STARTTLS when offered; `?starttls=required` insists),
/// `smtps://host:465` (TLS from the first byte).
public struct SMTPConfiguration: Sendable, Hashable {
    public enum Security: Sendable, Hashable { case opportunisticSTARTTLS, requiredSTARTTLS, implicitTLS }
    public var host: String
    public var port: Int
    public var user: String?
    public var password: String?
    public var security: Security
    /// Accept any certificate: for test servers with self-signed certificates only.
    public var insecureSkipVerify: Bool

    public init(url text: String) throws {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            scheme == "smtp" || scheme == "smtps", let host = components.host, !host.isEmpty
        else {
            throw RosterError.invalid(
                "ROSTER_SMTP_URL must look like smtp://user:password@host:587 or smtps://host:465")
        }
        self.host = host
        port = components.port ?? (scheme == "smtps" ? 465 : 587)
        user = components.user?.removingPercentEncoding
        password = components.password?.removingPercentEncoding
        let items = components.queryItems ?? []
        let starttls = items.first { $0.name == "starttls" }?.value
        security =
            scheme == "smtps" ? .implicitTLS : (starttls == "required" ? .requiredSTARTTLS : .opportunisticSTARTTLS)
        insecureSkipVerify = items.first { $0.name == "verify" }?.value == "false"
    }
}
