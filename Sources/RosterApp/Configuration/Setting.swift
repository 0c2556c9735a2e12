/// Every setting Roster reads, in one table: its key (in `roster.toml`/`roster.json` and in
/// `roster config show`), the environment variable that sets it, and whether it is a secret.
public struct Setting: Sendable, Hashable {
    public let key: String
    public let environment: String
    public let secret: Bool
    public let help: String

    init(_ key: String, _ environment: String, secret: Bool = false, _ help: String) {
        self.key = key
        self.environment = environment
        self.secret = secret
        self.help = help
    }

    /// How an error names the setting, so the operator finds it whichever way they set it.
    var name: String { "\(environment) (\(key) in roster.toml)" }

    public static let all: [Setting] = [
        Setting(
            "dataDir", "ROSTER_DATA_DIR", "where the SQLite database, the secret key file and the email outbox live"),
        Setting(
            "database.url", "DATABASE_URL", secret: true,
            "postgres://user:password@host:5432/db?tlsmode=require; SQLite when unset"),
        Setting("database.poolSize", "ROSTER_DB_POOL_SIZE", "PostgreSQL connections per event loop"),
        Setting(
            "secretKey", "ROSTER_SECRET_KEY", secret: true, "32 bytes in base64 that encrypt integration credentials"),
        Setting(
            "smtp.url", "ROSTER_SMTP_URL", secret: true,
            "smtp://user:pass@host:587 or smtps://host:465; the outbox folder when unset"),
        Setting("smtp.timeoutSeconds", "ROSTER_SMTP_TIMEOUT_SECONDS", "deadline of one SMTP conversation"),
        Setting("mail.from", "ROSTER_MAIL_FROM", "the sender address of Roster's email"),
        Setting("scim.timeoutSeconds", "ROSTER_SCIM_TIMEOUT_SECONDS", "deadline of one SCIM exchange, body included"),
        Setting("scim.maxResponseBytes", "ROSTER_SCIM_MAX_RESPONSE_BYTES", "largest SCIM answer accepted"),
        Setting("scim.retryBaseMs", "ROSTER_SCIM_RETRY_BASE_MS", "first back-off of a retried SCIM call"),
        Setting("scim.maxListed", "ROSTER_SCIM_MAX_LISTED", "most users one listing reads from a provider"),
        Setting(
            "scim.deleteAction", "ROSTER_SCIM_DELETE",
            "what a SCIM client's DELETE of a user does: suspend (default) or delete"),
        Setting("publicUrl", "ROSTER_PUBLIC_URL", "where people reach Roster, for links in email"),
        Setting("activation.ttlSeconds", "ROSTER_ACTIVATION_TTL_SECONDS", "how long an activation or reset link works"),
        Setting("mfa.required", "ROSTER_REQUIRE_MFA", "every administrator signs in with a second factor"),
        Setting(
            "listing.ttlSeconds", "ROSTER_LISTING_TTL_SECONDS",
            "how long the import screen uses an application's stored listing before reading it again"),
        Setting("jobs.leaseSeconds", "ROSTER_JOB_LEASE_SECONDS", "how long a worker holds a job between renewals"),
        Setting("jobs.concurrency", "ROSTER_JOB_CONCURRENCY", "jobs one worker runs side by side"),
        Setting("log.level", "ROSTER_LOG_LEVEL", "trace, debug, info, notice, warning, error or critical"),
        Setting("log.format", "ROSTER_LOG_FORMAT", "text or json"),
        Setting("http.hostname", "ROSTER_HTTP_HOSTNAME", "the address roster serve listens on"),
        Setting("http.port", "ROSTER_HTTP_PORT", "the port roster serve listens on"),
        Setting(
            "http.trustedProxies", "ROSTER_TRUSTED_PROXIES",
            "addresses of the reverse proxies whose X-Forwarded-For names the client"),
    ]

    static func named(_ key: String) -> Setting? { all.first { $0.key == key } }
}
