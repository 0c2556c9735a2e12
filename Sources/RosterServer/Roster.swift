import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import RosterCore
import RosterStore
import SCIM

/// The composition root: storage, outbound clients and the domain services, built once for
/// `serve`, `worker` and every command.
public final class Roster: Sendable {
    public let configuration: RosterConfiguration
    public let storage: SQLStore
    public let http: HTTPClient
    public let mailer: Mailer
    public let administrators: AdministratorService
    public let applications: ApplicationService
    public let imports: ImportService
    public let directory: DirectoryService
    public let provisioning: ProvisioningService
    public let groups: GroupService
    public let accounts: AccountService
    public let sessions: SessionService
    public let logger: Logger

    public static func bootstrap(_ configuration: RosterConfiguration, logger: Logger) async throws -> Roster {
        let fm = FileManager.default
        try fm.createDirectory(at: configuration.dataDirectory, withIntermediateDirectories: true)
        let secrets = try SecretBox.load(dataDirectory: configuration.dataDirectory, environmentKey: configuration.secretKey)
        let storage: SQLStore
        if let url = configuration.databaseURL {
            // Every instance reads the credentials the others stored: the key must be shared.
            guard configuration.secretKey != nil else {
                throw RosterError.invalid("with DATABASE_URL, set ROSTER_SECRET_KEY to the same key on every instance (openssl rand -base64 32)")
            }
            storage = try await SQLStore.openPostgres(url: url, poolSize: configuration.databasePoolSize, secrets: secrets, logger: logger)
        } else {
            storage = try await SQLStore.openSQLite(
                path: configuration.dataDirectory.appendingPathComponent("roster.sqlite").path, secrets: secrets, logger: logger)
        }
        return try Roster(configuration: configuration, storage: storage, logger: logger)
    }

    init(configuration: RosterConfiguration, storage: SQLStore, logger: Logger) throws {
        self.configuration = configuration
        self.storage = storage
        self.logger = logger
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(
            redirectConfiguration: .disallow, timeout: .init(connect: .seconds(10))))
        let smtp = try configuration.smtpURL.map(SMTPConfiguration.init(url:))
        mailer = Mailer(outbox: configuration.dataDirectory.appendingPathComponent("outbox"), smtp: smtp,
                        from: configuration.mailFrom, logger: logger)
        let connector = SCIMConnector(http: http, configuration: SCIMClientConfiguration(
            timeout: .seconds(configuration.scimTimeoutSeconds), maxResponseBytes: configuration.scimMaxResponseBytes,
            baseBackoff: .milliseconds(configuration.scimRetryBaseMillis)), logger: logger)
        administrators = AdministratorService(storage: storage, hasher: BcryptHasher())
        accounts = AccountService(storage: storage, hasher: BcryptHasher(), mailer: mailer, publicURL: configuration.publicURL,
                                  linkLifetime: TimeInterval(configuration.activationLinkSeconds))
        sessions = SessionService(storage: storage, hasher: BcryptHasher())
        applications = ApplicationService(storage: storage, connector: connector)
        imports = ImportService(storage: storage, applications: applications, connector: connector, mailer: mailer, logger: logger)
        provisioning = ProvisioningService(storage: storage, applications: applications, connector: connector, logger: logger)
        directory = DirectoryService(storage: storage, provisioning: provisioning)
        groups = GroupService(storage: storage, applications: applications, provisioning: provisioning)
    }

    public func makeWorker() -> Worker {
        var worker = Worker(storage: storage, imports: imports, provisioning: provisioning, mailer: mailer, logger: logger)
        worker.leaseSeconds = configuration.jobLeaseSeconds
        return worker
    }

    public func shutdown() async {
        try? await http.shutdown()
        try? await storage.shutdown()
    }
}
