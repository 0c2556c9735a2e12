import Foundation
import Logging
import RosterStore
import RosterTestSupport
import SCIM
import Synchronization

@testable import RosterCore

/// The domain assembled on the real store (a fresh SQLite database, then a fresh PostgreSQL one
/// when `ROSTER_TEST_POSTGRES_URL` is set), with an in-memory service provider at the edge, a mail
/// sender that keeps what it is given, and a hasher that needs no bcrypt.
struct Harness {
    let storage: SQLStore
    let backend: TestBackend
    let provider: FakeProvider
    let sent = SentMail()
    let sleeps = Sleeps()
    let domain: DomainServices
    let admin = Initiator(type: .administrator, id: UUID(), email: "admin@example.com", role: .admin)

    /// Runs `body` with a harness on each database of ``TestBackend/all`` in turn, each with a
    /// provider of its own.
    static func run(
        provider: @autoclosure () -> FakeProvider = FakeProvider(), listingLifetime: TimeInterval = 300,
        scimDeleteAction: SCIMUsers.DeleteAction = .suspend, storedAdmin: Bool = true,
        _ body: (Harness) async throws -> Void
    ) async throws {
        for backend in TestBackend.all {
            try await TestStores.with(backend) { stores in
                let harness = Harness(
                    storage: stores[0], backend: backend, provider: provider(), listingLifetime: listingLifetime,
                    scimDeleteAction: scimDeleteAction)
                if storedAdmin { try await harness.storeAdmin() }
                try await body(harness)
            }
        }
    }

    init(
        storage: SQLStore, backend: TestBackend, provider: FakeProvider, listingLifetime: TimeInterval,
        scimDeleteAction: SCIMUsers.DeleteAction
    ) {
        self.storage = storage
        self.backend = backend
        self.provider = provider
        let sleeps = self.sleeps
        // Back-offs are recorded, not slept: the tests check the timing without waiting for it.
        let configuration = SCIMClientConfiguration(maxRetries: 3, sleep: { sleeps.record($0) }, jitter: { 1.0 })
        domain = DomainServices(
            storage: storage,
            connector: SCIMConnector(transport: provider, configuration: configuration, logger: Self.logger),
            hasher: PlainHasher(), mailSender: sent,
            settings: .init(listingLifetime: listingLifetime, scimDeleteAction: scimDeleteAction),
            logger: Self.logger)
    }

    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// An application with an active integration to the fake provider.
    @discardableResult
    func application(_ name: String = "App", auth: IntegrationInput? = nil) async throws -> Application {
        let app = try await domain.applications.create(name: name, description: nil, by: .system)
        let input = auth ?? IntegrationInput(scimURL: FakeProvider.base, authType: "bearer", token: "t")
        _ = try await domain.applications.configureIntegration(application: name, input: input, by: .system)
        return app
    }

    /// `count` users at the provider (user1@example.com, …) and an import of all of them into "App",
    /// queued (more than a page: it runs as a job).
    func queuedImportOfAll(_ count: Int) async throws -> ImportJob {
        for i in 1...count { provider.addUser("user\(i)", email: "user\(i)@example.com") }
        guard case .queued(let job) = try await domain.imports.start(application: "App", selection: .all, by: admin)
        else { throw HarnessError(message: "the import of \(count) users was not queued") }
        return job
    }

    /// Stores ``admin`` as an administrator (once), as every harness has it: a queued import runs as
    /// its administrator is when it starts.
    func storeAdmin() async throws {
        guard let id = admin.id, try await storage.administrator(id: id) == nil else { return }
        try await storage.createAdministrator(
            Administrator(id: id, email: "admin@example.com", role: .admin, passwordHash: "x"))
    }

    /// Puts the users in a group "Staff" bound to `application`: their provisioning is queued.
    func bindStaff(_ emails: [String], to application: String = "App") async throws {
        _ = try await domain.groups.create(name: "Staff", by: .system)
        try await domain.groups.addMembers(group: "Staff", emails: emails, by: .system)
        try await domain.groups.bind(group: "Staff", application: application, by: .system)
    }

    /// Puts users straight into the directory, as if they had always been there.
    func add(_ users: DirectoryUser...) async throws {
        try await storage.insertUsers(users)
    }

    /// Every push to the application, oldest first.
    func log(_ application: String = "App") async throws -> [ProvisioningLogEntry] {
        guard let app = try await storage.application(named: application) else { return [] }
        return try await storage.provisioningLog(ProvisioningLogQuery(applicationId: app.id, limit: 10_000))
    }

    /// Every Insights event, oldest first.
    func events() async throws -> [InsightsEvent] {
        try await storage.events(InsightsQuery(limit: 100_000)).reversed()
    }

    /// Every user of the directory, by email.
    func users() async throws -> [DirectoryUser] {
        try await storage.users(search: nil, sort: .email, limit: 100_000, offset: 0)
    }

    /// The queue's entries of `kind` (with `status`), oldest first.
    func jobs(_ kind: JobKind, status: String? = nil) async throws -> [QueuedJobStatus] {
        try await storage.queue(limit: 100_000).reversed().filter {
            $0.job.kind == kind.rawValue && (status == nil || $0.status == status)
        }
    }

    /// Runs queued jobs until none is due.
    @discardableResult
    func work(kinds: Set<JobKind> = Set(JobKind.allCases)) async throws -> Int {
        try await domain.worker(kinds: kinds).runUntilIdle()
    }
}

struct HarnessError: Error { let message: String }

struct PlainHasher: PasswordHasher {
    func hash(_ password: String) async throws -> String { "plain:" + password }
    func verify(_ password: String, hash: String) async throws -> Bool { hash == "plain:" + password }
}

/// A mail sender that keeps every message it is handed, and can be made to fail.
final class SentMail: MailSender {
    private let state = Mutex<(mails: [OutboxMail], failing: Bool)>(([], false))
    var mails: [OutboxMail] { state.withLock { $0.mails } }
    func fail(_ failing: Bool) { state.withLock { $0.failing = failing } }

    func send(_ mail: OutboxMail) async throws {
        try state.withLock { state in
            if state.failing { throw RosterError.serviceProvider("the SMTP server is down") }
            state.mails.append(mail)
        }
    }
}

/// The back-offs the SCIM client asked for.
final class Sleeps: Sendable {
    private let waits = Mutex<[Duration]>([])
    var all: [Duration] { waits.withLock { $0 } }
    func record(_ wait: Duration) { waits.withLock { $0.append(wait) } }
}
