import Configuration
import Foundation
import Logging
import RosterCore

/// Every setting Roster runs with, read once at start through swift-configuration:
/// a command-line flag wins over the environment, which wins over the settings file
/// (`roster.toml` or `roster.json`), which wins over the default. A value that is set but
/// wrong stops start-up with a sentence that names it; it never quietly becomes the default.
public struct RosterConfiguration: Sendable {
    public var dataDirectory: URL
    public var database: Database
    public var secretKey: String?
    public var mail: Mail
    public var scim: SCIM
    /// Where people reach Roster, for the links in emails.
    public var publicURL: String
    /// How long an activation or reset link works.
    public var activationLinkSeconds: Int
    /// How long a worker holds a job without renewing; a dead worker's job waits this long.
    public var jobLeaseSeconds: Int
    /// Every administrator signs in with a second factor.
    public var requireMFA: Bool
    /// How long the import screen uses an application's stored listing before reading it again.
    public var listingTTLSeconds: Int
    /// What a SCIM client's DELETE of a user does.
    public var scimDeleteAction: SCIMUsers.DeleteAction
    /// Jobs one worker runs side by side.
    public var workerConcurrency: Int
    public var log: Log
    public var http: HTTP

    public struct Database: Sendable {
        /// `postgres://…` to use PostgreSQL; SQLite under the data directory otherwise.
        public var url: String?
        /// PostgreSQL connections per event loop (there is one loop per core).
        public var poolSize: Int
    }

    public struct Mail: Sendable {
        public var smtpURL: String?
        public var smtpTimeoutSeconds: Int
        public var from: String
    }

    public struct SCIM: Sendable {
        public var timeoutSeconds: Int
        public var maxResponseBytes: Int
        public var retryBaseMillis: Int
        public var maxListed: Int
    }

    public struct Log: Sendable {
        public enum Format: String, Sendable { case text, json }
        public var level: Logger.Level
        public var format: Format
    }

    public struct HTTP: Sendable {
        public var hostname: String
        public var port: Int
        /// Proxies whose `X-Forwarded-For` is believed; everyone else's address is the socket's.
        public var trustedProxies: Set<String>
    }

    /// Where each effective value came from, for `roster config show`.
    public var sources: [String: String] = [:]

    /// Reads the settings. `flags` are what the command line set (keys of ``Setting``), `file` a
    /// settings file named on the command line; without one, `roster.toml` or `roster.json` in
    /// the data directory is read when it exists.
    public static func load(
        flags: [String: String] = [:], environment: [String: String] = ProcessInfo.processInfo.environment,
        file: String? = nil
    ) throws -> RosterConfiguration {
        let environment = environment.filter { !$0.value.isEmpty }
        let flagValues = Dictionary(
            uniqueKeysWithValues: flags.compactMap { key, value -> (AbsoluteConfigKey, ConfigValue)? in
                guard let setting = Setting.named(key) else { return nil }
                return (
                    AbsoluteConfigKey(key.split(separator: ".").map(String.init)),
                    ConfigValue(.string(value), isSecret: setting.secret)
                )
            })
        let flagProvider = InMemoryProvider(name: "flag", values: flagValues)
        let environmentProvider = KeyMappingProvider(
            upstream: EnvironmentVariablesProvider(
                environmentVariables: environment,
                secretsSpecifier: .specific(Set(Setting.all.filter(\.secret).map(\.environment))))
        ) { key in
            AbsoluteConfigKey([Setting.named(key.components.joined(separator: "."))?.environment ?? "ROSTER_UNKNOWN"])
        }
        // The data directory says where the default settings file is, so it is read first.
        let early = ConfigReader(providers: [flagProvider, environmentProvider])
        let dataDirectory = early.string(forKey: "dataDir") ?? "./data"
        let filePath =
            file ?? environment["ROSTER_CONFIG"]
            ?? ["roster.toml", "roster.json"]
            .map { URL(fileURLWithPath: dataDirectory).appendingPathComponent($0).path }
            .first { FileManager.default.fileExists(atPath: $0) }
        let fileProvider = InMemoryProvider(name: "file", values: try filePath.map(ConfigFile.values(at:)) ?? [:])
        let settings = SettingsReader(
            reader: ConfigReader(providers: [flagProvider, environmentProvider, fileProvider]),
            layers: [
                ("flag", ConfigReader(provider: flagProvider)),
                ("environment", ConfigReader(provider: environmentProvider)),
                ("file \(filePath ?? "")", ConfigReader(provider: fileProvider)),
            ])
        return try RosterConfiguration(reader: settings)
    }

    init(reader: SettingsReader) throws {
        var settings = reader
        dataDirectory =
            URL(fileURLWithPath: settings.string("dataDir") ?? "./data", isDirectory: true).standardizedFileURL
        database = Database(
            url: settings.string("database.url"), poolSize: try settings.int("database.poolSize", 4, in: 1...256))
        secretKey = settings.string("secretKey")
        mail = Mail(
            smtpURL: settings.string("smtp.url"),
            smtpTimeoutSeconds: try settings.int("smtp.timeoutSeconds", 30, in: 1...600),
            from: settings.string("mail.from") ?? "roster@localhost")
        scim = SCIM(
            timeoutSeconds: try settings.int("scim.timeoutSeconds", 30, in: 1...3600),
            maxResponseBytes: try settings.int("scim.maxResponseBytes", 32 << 20, in: 1024...(1 << 31)),
            retryBaseMillis: try settings.int("scim.retryBaseMs", 250, in: 1...60_000),
            maxListed: try settings.int("scim.maxListed", 2_000_000, in: 10...100_000_000))
        publicURL = try settings.url("publicUrl") ?? "http://127.0.0.1:8080"
        activationLinkSeconds = try settings.int("activation.ttlSeconds", 72 * 3600, in: 1...(365 * 86400))
        jobLeaseSeconds = try settings.int("jobs.leaseSeconds", 30, in: 3...86400)
        requireMFA = try settings.bool("mfa.required", false)
        listingTTLSeconds = try settings.int("listing.ttlSeconds", 300, in: 0...(30 * 86400))
        scimDeleteAction = try settings.choice(
            "scim.deleteAction", SCIMUsers.DeleteAction.suspend, SCIMUsers.DeleteAction.init(rawValue:),
            names: ["suspend", "delete"])
        workerConcurrency = try settings.int("jobs.concurrency", 8, in: 1...256)
        log = Log(
            level: try settings.choice(
                "log.level", Logger.Level.warning, Logger.Level.init(rawValue:),
                names: ["trace", "debug", "info", "notice", "warning", "error", "critical"]),
            format: try settings.choice(
                "log.format", Log.Format.text, Log.Format.init(rawValue:), names: ["text", "json"]))
        http = HTTP(
            hostname: settings.string("http.hostname") ?? "127.0.0.1",
            port: try settings.int("http.port", 8080, in: 0...65535),
            trustedProxies: try settings.addresses("http.trustedProxies", ["127.0.0.1", "::1"]))
        if let url = database.url, !url.lowercased().hasPrefix("postgres") {
            throw RosterError.invalid(
                "\(Setting.named("database.url")!.name) must be a postgres:// URL, not \"\(url.prefix(20))…\"")
        }
        sources = settings.sources
    }

    /// The settings for a data directory and nothing else set: what tests start from.
    public static func defaults(dataDirectory: String) -> RosterConfiguration {
        // Nothing can be invalid when nothing is set.
        try! load(flags: ["dataDir": dataDirectory], environment: [:])
    }

    /// Every setting with its effective value (secrets masked) and where it came from.
    public func describe() -> [(setting: Setting, value: String, source: String)] {
        let values: [String: String?] = [
            "dataDir": dataDirectory.path, "database.url": database.url, "database.poolSize": String(database.poolSize),
            "secretKey": secretKey, "smtp.url": mail.smtpURL, "mail.from": mail.from,
            "scim.timeoutSeconds": String(scim.timeoutSeconds), "scim.maxResponseBytes": String(scim.maxResponseBytes),
            "scim.retryBaseMs": String(scim.retryBaseMillis), "scim.maxListed": String(scim.maxListed),
            "smtp.timeoutSeconds": String(mail.smtpTimeoutSeconds), "mfa.required": String(requireMFA),
            "listing.ttlSeconds": String(listingTTLSeconds), "jobs.concurrency": String(workerConcurrency),
            "scim.deleteAction": scimDeleteAction.rawValue,
            "publicUrl": publicURL,
            "activation.ttlSeconds": String(activationLinkSeconds), "jobs.leaseSeconds": String(jobLeaseSeconds),
            "log.level": log.level.rawValue, "log.format": log.format.rawValue, "http.hostname": http.hostname,
            "http.port": String(http.port), "http.trustedProxies": http.trustedProxies.sorted().joined(separator: ","),
        ]
        return Setting.all.map { setting in
            let value = values[setting.key] ?? nil
            let shown = value.map { setting.secret ? Self.mask($0) : $0 } ?? "(not set)"
            return (setting, shown, sources[setting.key] ?? "default")
        }
    }

    /// A secret as `config show` prints it: enough to recognise, never enough to use.
    static func mask(_ secret: String) -> String {
        if let url = URLComponents(string: secret), let scheme = url.scheme, let host = url.host {
            let user = url.user.map { "\($0):***@" } ?? ""
            return "\(scheme)://\(user)\(host)\(url.port.map { ":\($0)" } ?? "")\(url.path)"
        }
        return "*** (\(secret.count) characters)"
    }
}
