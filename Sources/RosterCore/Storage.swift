import Foundation
import SCIM

/// Everything the domain keeps. One implementation (RosterStore) serves SQLite and PostgreSQL.
public protocol Storage: DirectoryRepository, ApplicationRepository, ImportRepository, InsightsRepository,
    AdministratorRepository, JobQueue, GroupRepository, ProvisioningRepository, SessionRepository {}

public protocol SessionRepository: Sendable {
    func createSession(_ session: AdminSession) async throws
    func session(tokenHash: String) async throws -> AdminSession?
    func extendSession(tokenHash: String, expires: Date) async throws
    func deleteSession(tokenHash: String) async throws
    /// Counts a failed sign-in for the email and answers the failures in a row.
    func recordSignInFailure(emailKey: String, now: Date) async throws -> Int
    func lockSignIn(emailKey: String, until: Date) async throws
    func signInLock(emailKey: String) async throws -> Date?
    func clearSignInFailures(emailKey: String) async throws
}

public protocol GroupRepository: Sendable {
    /// Throws ``RosterError/conflict(_:)`` when the name is taken (case-insensitively).
    func createGroup(_ group: UserGroup) async throws
    func group(named name: String) async throws -> UserGroup?
    func group(id: UUID) async throws -> UserGroup?
    func groups() async throws -> [UserGroup]
    /// The groups the user is a member of.
    func groups(memberId: UUID) async throws -> [UserGroup]
    func addMembers(groupId: UUID, userIds: [UUID]) async throws
    func removeMembers(groupId: UUID, userIds: [UUID]) async throws
    func members(groupId: UUID) async throws -> [UUID]
    func bind(groupId: UUID, applicationId: UUID) async throws
    func unbind(groupId: UUID, applicationId: UUID) async throws
    /// Groups bound to the application.
    func boundGroups(applicationId: UUID) async throws -> [UUID]
    /// Applications the group is bound to.
    func bindings(groupId: UUID) async throws -> [UUID]
    /// Whether the user is a member of any group bound to the application.
    func isManaged(userId: UUID, applicationId: UUID) async throws -> Bool
    /// Applications the user is managed in through a bound group.
    func managingApplications(userId: UUID) async throws -> [UUID]
}

public protocol ProvisioningRepository: Sendable {
    func provisionedUser(applicationId: UUID, userId: UUID) async throws -> ProvisionedUser?
    func saveProvisionedUser(_ link: ProvisionedUser) async throws
    func deleteProvisionedUser(applicationId: UUID, userId: UUID) async throws
    /// Remote ids of the group's members that Roster has active in the application.
    func provisionedRemoteIds(applicationId: UUID, userIds: [UUID]) async throws -> [UUID: String]
    func provisionedGroup(applicationId: UUID, groupId: UUID) async throws -> ProvisionedGroup?
    func saveProvisionedGroup(_ group: ProvisionedGroup) async throws
    func log(_ entry: ProvisioningLogEntry, event: InsightsEvent) async throws
    func provisioningLog(applicationId: UUID, limit: Int) async throws -> [ProvisioningLogEntry]
    /// Applications where Roster left the user active.
    func provisionedApplications(userId: UUID) async throws -> [UUID]
    /// Users Roster has active in the application.
    func provisionedUserIds(applicationId: UUID) async throws -> [UUID]
    /// How many users Roster has active in the application.
    func provisionedUserCount(applicationId: UUID) async throws -> Int
    /// Counts a failed push and answers how many failed in a row; a success resets the count.
    func recordPush(applicationId: UUID, succeeded: Bool) async throws -> Int
    func deprovisionAction(applicationId: UUID) async throws -> DeprovisionAction
    func setDeprovisionAction(applicationId: UUID, _ action: DeprovisionAction) async throws
}

/// What deprovisioning does in an application: SPEC.md's default keeps the account, inactive.
public enum DeprovisionAction: String, Sendable { case deactivate, delete }

public protocol DirectoryRepository: Sendable {
    /// Users in `sort` order; `search` matches email, username and display name, case-insensitively.
    func users(search: String?, sort: UserSort, limit: Int, offset: Int) async throws -> [DirectoryUser]
    func userCount() async throws -> Int
    func user(id: UUID) async throws -> DirectoryUser?
    /// Users whose email or username equals one of `keys`, compared case-insensitively.
    func usersMatching(keys: [String]) async throws -> [DirectoryUser]
    func setPassword(userId: UUID, hash: String) async throws
    func createUserToken(hash: String, userId: UUID, purpose: String, expires: Date) async throws
    /// The token's user, purpose, expiry and when it was used, if it exists.
    func userToken(hash: String) async throws -> (userId: UUID, purpose: String, expires: Date, used: Date?)?
    /// Marks the token used and sets the password in one transaction; false when the token
    /// was used or expired in the meantime.
    func redeemUserToken(hash: String, passwordHash: String, now: Date) async throws -> Bool
    /// Saves a user's attributes and state (never its email or username uniqueness: those conflict).
    func updateUser(_ user: DirectoryUser) async throws
}

public protocol ApplicationRepository: Sendable {
    /// Throws ``RosterError/conflict(_:)`` when the name is taken (case-insensitively).
    func createApplication(_ application: Application) async throws
    func application(named name: String) async throws -> Application?
    func application(id: UUID) async throws -> Application?
    func applications(search: String?) async throws -> [Application]
    /// Creates or replaces the integration's URL and credentials (and status).
    func saveIntegration(_ integration: Integration) async throws
    func setIntegrationStatus(applicationId: UUID, status: Integration.Status) async throws
    /// Remembers what a connection test learned, without touching the status.
    func recordConnection(applicationId: UUID, serviceProvider: ServiceProviderConfig?, lastError: String?) async throws
    func integration(applicationId: UUID) async throws -> Integration?
}

/// One remote user ready to commit: the mapped directory user or why it cannot be imported.
public struct ImportCandidate: Sendable {
    public var remoteId: String
    public var userName: String?
    public var mapped: Result<DirectoryUser, UserMapping.Failure>
    public init(remoteId: String, userName: String?, mapped: Result<DirectoryUser, UserMapping.Failure>) {
        self.remoteId = remoteId
        self.userName = userName
        self.mapped = mapped
    }
}

/// The rules the store applies inside its transaction, so a rule stays in the domain.
public struct ImportBatchRules: Sendable {
    /// What to record when a candidate collides with an existing user.
    public var resolveConflict: @Sendable (ImportCandidate, DirectoryUser) -> ImportResult
    /// The Insights event for a created user.
    public var createdEvent: @Sendable (DirectoryUser) -> InsightsEvent

    public init(resolveConflict: @escaping @Sendable (ImportCandidate, DirectoryUser) -> ImportResult,
                createdEvent: @escaping @Sendable (DirectoryUser) -> InsightsEvent) {
        self.resolveConflict = resolveConflict
        self.createdEvent = createdEvent
    }
}

public protocol ImportRepository: Sendable {
    func createJob(_ job: ImportJob) async throws
    func job(id: UUID) async throws -> ImportJob?
    func jobs(limit: Int) async throws -> [ImportJob]
    func results(jobId: UUID) async throws -> [ImportResult]
    /// Of `remoteIds`, those that already have a result in the job (work done before a crash).
    func remoteIdsWithResults(jobId: UUID, among remoteIds: [String]) async throws -> Set<String>
    /// Creates the users, their events and the results of one batch in one transaction, and
    /// adds the counts to the job. A user whose email or username is taken is never created.
    func commitImportBatch(jobId: UUID, candidates: [ImportCandidate], rules: ImportBatchRules) async throws -> [ImportResult]
    func updateJob(id: UUID, status: ImportJob.Status, total: Int?, reason: String?, finishedAt: Date?) async throws
}

public protocol InsightsRepository: Sendable {
    func record(_ event: InsightsEvent) async throws
    /// The newest events matching the query, newest first.
    func events(_ query: InsightsQuery) async throws -> [InsightsEvent]
    /// How many events match the query on each UTC day that has any, oldest first.
    func dailyCounts(_ query: InsightsQuery) async throws -> [(day: Date, count: Int)]
}

public protocol AdministratorRepository: Sendable {
    func createAdministrator(_ administrator: Administrator) async throws
    func administrator(email: String) async throws -> Administrator?
    func administrator(id: UUID) async throws -> Administrator?
    func administrators() async throws -> [Administrator]
    func createAPIKey(_ key: APIKey) async throws
    func apiKey(hash: String) async throws -> APIKey?
    func apiKeys() async throws -> [APIKey]
}

/// A unit of background work, held by one worker at a time through a lease.
public struct QueuedJob: Sendable, Hashable {
    public var id: UUID
    public var kind: String
    public var payload: String
    public var attempts: Int
    public init(id: UUID, kind: String, payload: String, attempts: Int) {
        self.id = id
        self.kind = kind
        self.payload = payload
        self.attempts = attempts
    }
}

/// A queue entry as an operator sees it.
public struct QueuedJobStatus: Sendable, Hashable {
    public var job: QueuedJob
    public var status: String
    public var leaseOwner: String?
    public var leaseUntil: Date?
    public var lastError: String?
    public init(job: QueuedJob, status: String, leaseOwner: String?, leaseUntil: Date?, lastError: String?) {
        self.job = job
        self.status = status
        self.leaseOwner = leaseOwner
        self.leaseUntil = leaseUntil
        self.lastError = lastError
    }
}

public protocol JobQueue: Sendable {
    /// The newest entries, for operators.
    func queue(limit: Int) async throws -> [QueuedJobStatus]
    func enqueue(kind: String, payload: String) async throws -> UUID
    /// Enqueues unless the same work is already waiting: changes to one user coalesce.
    /// `held` work waits for an administrator (``releaseHeld(payloadPrefix:)``); held wins over queued.
    func enqueueOnce(kind: String, payload: String, held: Bool) async throws
    /// Parks a claimed job until an administrator releases it.
    func hold(jobId: UUID, owner: String, reason: String) async throws
    /// Queues again every held job whose payload starts with `payloadPrefix`; answers how many.
    func releaseHeld(payloadPrefix: String) async throws -> Int
    /// Ends every waiting job of `kind` whose payload starts with `prefix`, with `error`.
    func cancelQueued(kind: String, payloadPrefix: String, error: String) async throws -> [QueuedJob]
    /// Puts a failed attempt back in the queue to run again after `delay` seconds.
    func retry(jobId: UUID, owner: String, error: String, delaySeconds: Int) async throws
    /// The next job that is due or whose lease expired (its worker died), leased to `owner`.
    func claim(owner: String, leaseSeconds: Int) async throws -> QueuedJob?
    /// Extends the lease; false when another worker took the job over.
    func renew(jobId: UUID, owner: String, leaseSeconds: Int) async throws -> Bool
    func finish(jobId: UUID, owner: String, error: String?) async throws
}
