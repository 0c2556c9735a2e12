import Foundation

/// Every setting Roster reads from its environment, in one place.
public struct RosterConfiguration: Sendable {
    public var dataDirectory: URL
    /// `postgres://…` to use PostgreSQL; SQLite under the data directory otherwise.
    public var databaseURL: String?
    public var smtpURL: String?
    public var secretKey: String?
    public var mailFrom: String
    /// SCIM client limits, shortened by tests that provoke timeouts.
    public var scimTimeoutSeconds: Int64
    public var scimMaxResponseBytes: Int
    public var scimRetryBaseMillis: Int
    /// PostgreSQL connections per event loop (there is one loop per core).
    public var databasePoolSize: Int
    /// The address people reach Roster at, for links in emails.
    public var publicURL: String
    /// How long an activation or reset link works.
    public var activationLinkSeconds: Int
    /// How long a worker holds a job without renewing; a dead worker's job waits this long.
    public var jobLeaseSeconds: Int

    public init(dataDirectory: String, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.dataDirectory = URL(fileURLWithPath: dataDirectory, isDirectory: true).standardizedFileURL
        databaseURL = environment["DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        smtpURL = environment["ROSTER_SMTP_URL"].flatMap { $0.isEmpty ? nil : $0 }
        secretKey = environment["ROSTER_SECRET_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        mailFrom = environment["ROSTER_MAIL_FROM"] ?? "roster@localhost"
        scimTimeoutSeconds = environment["ROSTER_SCIM_TIMEOUT_SECONDS"].flatMap(Int64.init) ?? 30
        scimMaxResponseBytes = environment["ROSTER_SCIM_MAX_RESPONSE_BYTES"].flatMap(Int.init) ?? 32 << 20
        scimRetryBaseMillis = environment["ROSTER_SCIM_RETRY_BASE_MS"].flatMap(Int.init) ?? 250
        databasePoolSize = environment["ROSTER_DB_POOL_SIZE"].flatMap(Int.init).map { max(1, $0) } ?? 4
        publicURL = environment["ROSTER_PUBLIC_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? "http://127.0.0.1:8080"
        activationLinkSeconds = environment["ROSTER_ACTIVATION_TTL_SECONDS"].flatMap(Int.init).map { max(1, $0) } ?? 72 * 3600
        jobLeaseSeconds = environment["ROSTER_JOB_LEASE_SECONDS"].flatMap(Int.init).map { max(3, $0) } ?? 30
    }
}
