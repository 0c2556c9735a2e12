import AsyncHTTPClient
import Foundation
import Logging
import RosterCore
import RosterStore
import SCIM
import ServiceLifecycle

/// The composition root: configuration, storage, outbound clients and the domain services,
/// built once for `serve`, `worker` and every command. Storage stays inside: the front ends
/// reach the directory only through the domain services below.
public final class Roster: Sendable {
    public let configuration: RosterConfiguration
    let storage: SQLStore
    let http: HTTPClient
    /// The integrations' connections, each to the address it was checked at.
    let pinned: PinnedHTTPClients
    public let domain: DomainServices
    public let logger: Logger

    public var administrators: AdministratorService { domain.administrators }
    public var keys: APIKeyService { domain.keys }
    public var sessions: SessionService { domain.sessions }
    public var mfa: MFAService { domain.mfa }
    public var applications: ApplicationService { domain.applications }
    public var remoteUsers: RemoteListing { domain.remoteUsers }
    public var importPreview: ImportPreview { domain.importPreview }
    public var imports: ImportService { domain.imports }
    public var schedules: ImportSchedules { domain.schedules }
    public var mappings: AttributeMappings { domain.mappings }
    public var attributes: CustomAttributeService { domain.attributes }
    public var directory: DirectoryService { domain.directory }
    public var insights: InsightsService { domain.insights }
    public var groups: GroupService { domain.groups }
    public var accounts: AccountService { domain.accounts }
    public var provisioning: ProvisioningScheduler { domain.provisioning }
    public var provisioningLog: ProvisioningLog { domain.provisioningLog }
    public var mail: MailOutbox { domain.mail }
    public var jobs: JobsService { domain.jobs }

    public static func bootstrap(_ configuration: RosterConfiguration, logger: Logger) async throws -> Roster {
        // Owner only: the folder holds the database, the key file and every email.
        try FileManager.default.createDirectory(
            at: configuration.dataDirectory, withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700])
        let secrets = try SecretKeyFile.load(
            dataDirectory: configuration.dataDirectory, configured: configuration.secretKey)
        let storage: SQLStore
        if let url = configuration.database.url {
            // Every instance reads the credentials the others stored: the key must be shared.
            guard configuration.secretKey != nil else {
                throw RosterError.invalid(
                    "with DATABASE_URL, set ROSTER_SECRET_KEY to the same key on every instance (openssl rand -base64 "
                        + "32)"
                )
            }
            storage = try await SQLStore.openPostgres(
                url: url, poolSize: configuration.database.poolSize, secrets: secrets,
                logger: logger)
        } else {
            storage = try await SQLStore.openSQLite(
                path: configuration.dataDirectory.appendingPathComponent("roster.sqlite").path, secrets: secrets,
                logger: logger)
        }
        do {
            return try Roster(configuration: configuration, storage: storage, logger: logger)
        } catch {
            try? await storage.shutdown()
            throw error
        }
    }

    init(configuration: RosterConfiguration, storage: SQLStore, logger: Logger) throws {
        self.configuration = configuration
        self.storage = storage
        self.logger = logger
        http = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: .init(
                redirectConfiguration: .disallow, timeout: .init(connect: .seconds(10))))
        let outbox = configuration.dataDirectory.appendingPathComponent("outbox")
        let sender: any MailSender
        if let smtp = try configuration.mail.smtpURL.map(SMTPConfiguration.init(url:)) {
            sender = SMTPMailSender(
                configuration: smtp, timeout: .seconds(configuration.mail.smtpTimeoutSeconds),
                sentFolder: outbox.appendingPathComponent("sent"), logger: logger)
        } else {
            sender = OutboxFolderSender(folder: outbox)
        }
        let scim = configuration.scim
        let pinned = PinnedHTTPClients(logger: logger)
        self.pinned = pinned
        let connector = SCIMConnector(
            transport: { policy in GuardedTransport(clients: pinned, policy: policy) },
            configuration: SCIMClientConfiguration(
                timeout: .seconds(scim.timeoutSeconds), maxResponseBytes: scim.maxResponseBytes,
                baseBackoff: .milliseconds(scim.retryBaseMillis), maxListedResources: scim.maxListed),
            logger: logger)
        domain = DomainServices(
            storage: storage, connector: connector, hasher: BcryptHasher(), mailSender: sender,
            settings: .init(
                mailFrom: configuration.mail.from, publicURL: configuration.publicURL,
                activationLinkLifetime: TimeInterval(configuration.activationLinkSeconds),
                requireMFA: configuration.requireMFA,
                listingLifetime: TimeInterval(configuration.listingTTLSeconds),
                scimDeleteAction: configuration.scimDeleteAction),
            logger: logger)
    }

    /// A worker for some kinds of job (all but mail by default: mail has a worker of its own).
    public func makeWorker(kinds: Set<JobKind> = Set(JobKind.allCases).subtracting([.mail])) -> Worker {
        domain.worker(
            kinds: kinds, lease: .seconds(configuration.jobLeaseSeconds),
            concurrency: kinds == [.mail] ? 1 : configuration.workerConcurrency)
    }

    /// The background services of `roster serve` and `roster worker`: the job worker, the mail
    /// worker, the queue gauges, and the scheduled imports.
    public func backgroundServices() -> [any Service] {
        [
            WorkerService(worker: makeWorker()), WorkerService(worker: makeWorker(kinds: [.mail])),
            QueueMetricsService(jobs: jobs, logger: logger), ScheduleService(schedules: schedules, logger: logger),
        ]
    }

    /// Delivers the mail this process enqueued before a command exits (a one-shot command has no
    /// mail worker). What cannot go now waits in the outbox for `roster worker` or `roster serve`.
    public func deliverMailEnqueuedHere() async {
        guard mail.enqueuedHere > 0 else { return }
        do {
            try await makeWorker(kinds: [.mail]).runUntilIdle()
        } catch {
            logger.warning("email delivery failed, will retry", metadata: ["error": "\(error)"])
        }
    }

    /// Reverts the newest database migration (`roster migrate --revert`).
    public func revertLastMigration() async throws {
        try await storage.revertLastMigration()
    }

    public func shutdown() async {
        await pinned.shutdown()
        try? await http.shutdown()
        try? await storage.shutdown()
    }
}
