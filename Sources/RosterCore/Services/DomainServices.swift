import Foundation
import Logging
import SCIM

/// The domain, assembled: every service the three doors (portal, API, command line) call,
/// and the job handlers the workers run. Built once per process by the composition root.
public struct DomainServices: Sendable {
    public struct Settings: Sendable {
        /// The sender address of Roster's email.
        public var mailFrom: String
        /// Where people reach Roster, for the links in emails.
        public var publicURL: String
        /// How long an activation or reset link works.
        public var activationLinkLifetime: TimeInterval
        /// Every administrator must sign in with a second factor.
        public var requireMFA: Bool
        /// How long the import screen's stored listing of an application is used before it is read again.
        public var listingLifetime: TimeInterval
        /// What a SCIM client's DELETE of a user does.
        public var scimDeleteAction: SCIMUsers.DeleteAction

        public init(
            mailFrom: String = "roster@localhost", publicURL: String = "http://127.0.0.1:8080",
            activationLinkLifetime: TimeInterval = 72 * 3600, requireMFA: Bool = false,
            listingLifetime: TimeInterval = 300, scimDeleteAction: SCIMUsers.DeleteAction = .suspend
        ) {
            self.scimDeleteAction = scimDeleteAction
            self.listingLifetime = listingLifetime
            self.mailFrom = mailFrom
            self.publicURL = publicURL
            self.activationLinkLifetime = activationLinkLifetime
            self.requireMFA = requireMFA
        }
    }

    public let administrators: AdministratorService
    public let keys: APIKeyService
    public let sessions: SessionService
    public let mfa: MFAService
    public let applications: ApplicationService
    public let schedules: ImportSchedules
    public let mappings: AttributeMappings
    public let attributes: CustomAttributeService
    public let remoteUsers: RemoteListing
    public let importPreview: ImportPreview
    public let imports: ImportService
    public let directory: DirectoryService
    public let insights: InsightsService
    public let groups: GroupService
    public let accounts: AccountService
    public let provisioning: ProvisioningScheduler
    public let provisioningLog: ProvisioningLog
    public let mail: MailOutbox
    public let jobs: JobsService
    /// Roster as a SCIM service provider, at `publicURL/scim/v2`.
    public let scimUsers: SCIMUsers
    public let scimGroups: SCIMGroups
    /// What runs each kind of background job.
    public let handlers: [JobKind: any JobHandler]
    let storage: any Storage
    let logger: Logger

    public init(
        storage: any Storage, connector: SCIMConnector, hasher: any PasswordHasher, mailSender: any MailSender,
        settings: Settings, logger: Logger, catalog: Result<ConnectorCatalog, RosterError> = ConnectorCatalog.bundled
    ) {
        self.storage = storage
        self.logger = logger
        let lookup = Lookup(storage: storage)
        let access = IntegrationAccess(storage: storage, connector: connector, catalog: catalog)
        let log = ProvisioningLog(storage: storage, lookup: lookup, logger: logger)
        let queue = ProvisioningQueue(storage: storage, log: log)
        mail = MailOutbox(storage: storage, from: settings.mailFrom)
        keys = APIKeyService(storage: storage)
        sessions = SessionService(storage: storage, hasher: hasher, requireMFA: settings.requireMFA)
        mfa = MFAService(storage: storage, sessions: sessions)
        applications = ApplicationService(storage: storage, access: access, lookup: lookup, queue: queue)
        remoteUsers = RemoteListing(
            storage: storage, applications: applications, access: access, listingLifetime: settings.listingLifetime)
        importPreview = ImportPreview(storage: storage, applications: applications, access: access)
        let importRunner = ImportRunner(storage: storage, access: access, mail: mail, logger: logger)
        imports = ImportService(storage: storage, applications: applications, access: access, runner: importRunner)
        mappings = AttributeMappings(storage: storage, lookup: lookup, access: access)
        attributes = CustomAttributeService(storage: storage)
        schedules = ImportSchedules(
            storage: storage, lookup: lookup, access: access, imports: imports, mail: mail, logger: logger)
        administrators = AdministratorService(storage: storage, hasher: hasher, schedules: schedules)
        provisioning = ProvisioningScheduler(storage: storage, applications: applications, queue: queue, log: log)
        provisioningLog = log
        directory = DirectoryService(storage: storage, lookup: lookup, provisioning: provisioning)
        insights = InsightsService(storage: storage)
        let groupSync = GroupSync(storage: storage, access: access, log: log)
        groups = GroupService(
            storage: storage, lookup: lookup, provisioning: provisioning, access: access, sync: groupSync)
        accounts = AccountService(
            storage: storage, lookup: lookup, hasher: hasher, mail: mail, publicURL: settings.publicURL,
            linkLifetime: settings.activationLinkLifetime)
        jobs = JobsService(storage: storage)
        let scimBase = settings.publicURL + "/scim/v2"
        scimUsers = SCIMUsers(
            storage: storage, hasher: hasher, provisioning: provisioning, base: scimBase,
            deleteAction: settings.scimDeleteAction)
        scimGroups = SCIMGroups(storage: storage, groups: groups, base: scimBase)
        let pushes = ProvisioningRunner(
            storage: storage, access: access,
            users: UserSync(storage: storage, access: access, queue: queue, log: log, index: RemoteUserIndex()),
            groups: groupSync, log: log, logger: logger)
        handlers = [
            .importJob: importRunner, .provisionUser: pushes, .provisionGroup: pushes,
            .mail: MailDelivery(storage: storage, sender: mailSender, logger: logger),
        ]
    }

    /// A worker for the given kinds of job.
    public func worker(
        kinds: Set<JobKind> = Set(JobKind.allCases), lease: Duration = .seconds(30), concurrency: Int = 1
    )
        -> Worker
    {
        var worker = Worker(storage: storage, handlers: handlers, kinds: kinds, logger: logger)
        worker.lease = lease
        worker.concurrency = concurrency
        return worker
    }
}
