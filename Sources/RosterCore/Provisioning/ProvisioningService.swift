import Foundation
import Logging
import SCIM

/// Pushes the users and groups bound to an application over SCIM (SPEC.md "Provisioning").
///
/// Every push reconciles: it compares what the directory says the application should have
/// with what Roster last left there, and sends only the difference. That makes pushes
/// idempotent, so a retried or coalesced task is always safe.
public struct ProvisioningService: Sendable {
    let storage: any Storage
    let applications: ApplicationService
    let connector: SCIMConnector
    let logger: Logger
    let queue: ProvisioningQueue
    /// Attempts before a push is given up as failed.
    public static let maxAttempts = 8

    public init(storage: any Storage, applications: ApplicationService, connector: SCIMConnector, logger: Logger) {
        self.storage = storage
        self.applications = applications
        self.connector = connector
        self.logger = logger
        self.queue = ProvisioningQueue(storage: storage)
    }

    /// A push that must wait for an administrator (quarantine).
    public struct Held: Error, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    /// A push that failed and should run again later.
    public struct RetryLater: Error, CustomStringConvertible {
        public let delaySeconds: Int
        public let reason: String
        public var description: String { reason }
    }

    // MARK: - Scheduling

    /// Schedules pushes for users whose attributes, state or memberships changed. When the
    /// change would deprovision more than ``deprovisionThreshold`` of an application's users,
    /// those pushes are held until an administrator confirms (`roster provision confirm`).
    func usersChanged(_ userIds: [UUID], by initiator: Initiator) async throws {
        var byApplication: [UUID: [UUID]] = [:]
        for userId in userIds {
            let applications = Set(try await storage.managingApplications(userId: userId))
                .union(try await storage.provisionedApplications(userId: userId))
            for applicationId in applications { byApplication[applicationId, default: []].append(userId) }
        }
        for (applicationId, users) in byApplication {
            var leaving: Set<UUID> = []
            for userId in users where try await storage.provisionedUser(applicationId: applicationId, userId: userId)?.active == true {
                let user = try await storage.user(id: userId)
                var staying = false
                if user?.state == .active { staying = try await storage.isManaged(userId: userId, applicationId: applicationId) }
                if !staying { leaving.insert(userId) }
            }
            let managed = try await storage.provisionedUserCount(applicationId: applicationId)
            let hold = leaving.count >= 2 && Double(leaving.count) > Self.deprovisionThreshold * Double(managed)
            for userId in users { try await queue.user(userId, in: applicationId, held: hold && leaving.contains(userId)) }
            if hold, let application = try await storage.application(id: applicationId) {
                let detail = "would deprovision \(leaving.count) of \(managed) users (more than \(Int(Self.deprovisionThreshold * 100))%): held until an administrator confirms (roster provision confirm \(application.name))"
                for userId in leaving.sorted(by: { $0.uuidString < $1.uuidString }) {
                    let push = Push(application: application, targetType: .user, targetId: userId,
                                    targetName: try await storage.user(id: userId)?.email, remoteId: nil, operation: .deactivate)
                    try await record(push, outcome: .held, detail: detail, initiator: initiator)
                }
            }
        }
    }

    /// Share of an application's users one change may deprovision without confirmation.
    public static let deprovisionThreshold = 0.2
    /// Failed pushes in a row that quarantine an application.
    public static let quarantineAfter = 10

    /// Releases the deprovisioning held by the threshold.
    public func confirmHeld(application name: String, by initiator: Initiator) async throws -> Int {
        try initiator.require(.change)
        let application = try await applications.find(name)
        let released = try await storage.releaseHeld(payloadPrefix: application.id.text + "/")
        try await storage.record(InsightsEvent(type: "provision_confirm", initiator: initiator,
                                               resource: .init(type: "application", id: application.id.uuidString, name: application.name),
                                               application: .init(application)))
        return released
    }

    /// Schedules the group and its members in every application it is bound to.
    func groupChanged(_ groupId: UUID, members: [UUID]) async throws {
        for applicationId in try await storage.bindings(groupId: groupId) {
            for member in members { try await queue.user(member, in: applicationId) }
            try await queue.group(groupId, in: applicationId)
        }
    }

    // MARK: - Running

    /// Runs one queued push; throws ``RetryLater`` when it should be tried again.
    public func run(_ job: QueuedJob) async throws {
        guard let (applicationId, target) = ProvisioningQueue.parse(job.payload),
              let application = try await storage.application(id: applicationId) else { return }
        let type: ProvisioningLogEntry.TargetType = job.kind == ProvisioningQueue.userKind ? .user : .group
        var context = Push(application: application, targetType: type, targetId: target, targetName: nil, remoteId: nil)
        do {
            let integration = try await applications.integration(of: application)
            switch integration.status {
            case .deactivated: throw Cancelled(reason: "integration deactivated")
            case .error: throw Held(reason: "the application is quarantined: \(integration.lastError ?? "too many failed pushes"); release it with roster app release \(application.name)")
            case .active: break
            }
            let client = connector.client(for: integration)
            let config = try await serviceProvider(integration, client)
            if type == .user {
                try await reconcileUser(target, client: client, config: config, context: &context)
            } else {
                try await reconcileGroup(target, client: client, config: config, context: &context)
            }
            _ = try await storage.recordPush(applicationId: application.id, succeeded: true)
        } catch let cancelled as Cancelled {
            try await record(context, outcome: .cancelled, detail: cancelled.reason)
        } catch let held as Held {
            try await record(context, outcome: .held, detail: held.reason)
            throw held
        } catch {
            let reason = RosterError.from(error).description
            let inARow = try await storage.recordPush(applicationId: application.id, succeeded: false)
            if inARow >= Self.quarantineAfter {
                // A provider failing this often is broken, not busy: stop and say why.
                let why = "quarantined after \(inARow) failed pushes in a row; last: \(reason)"
                try await storage.setIntegrationStatus(applicationId: application.id, status: .error)
                try await storage.recordConnection(applicationId: application.id, serviceProvider: nil, lastError: why)
                try await record(context, outcome: .held, detail: why)
                throw Held(reason: why)
            }
            if job.attempts < Self.maxAttempts {
                let delay = min(300, 1 << min(job.attempts, 8))
                try await record(context, outcome: .retrying, detail: "\(reason); attempt \(job.attempts) of \(Self.maxAttempts), next in \(delay) s")
                throw RetryLater(delaySeconds: delay, reason: reason)
            }
            try await record(context, outcome: .failed, detail: reason)
        }
    }

    struct Cancelled: Error { let reason: String }

    /// What one push is about, filled in as it learns more, for its log entry.
    struct Push {
        let application: Application
        let targetType: ProvisioningLogEntry.TargetType
        let targetId: UUID
        var targetName: String?
        var remoteId: String?
        var operation: ProvisioningLogEntry.Operation = .update
    }

    private func reconcileUser(_ userId: UUID, client: SCIMClient, config: ServiceProviderConfig, context: inout Push) async throws {
        let application = context.application
        let user = try await storage.user(id: userId)
        context.targetName = user?.email
        var wanted = false
        if let user, user.state == .active { wanted = try await storage.isManaged(userId: userId, applicationId: application.id) }
        var link = try await storage.provisionedUser(applicationId: application.id, userId: userId)
        context.remoteId = link?.remoteId

        if let user, wanted {
            if link == nil {
                if let existing = try await findRemote(user, client: client, config: config) {
                    // Never two accounts: an application user with the same userName or email is this user.
                    link = ProvisionedUser(applicationId: application.id, userId: userId, remoteId: existing, active: true)
                    context.remoteId = existing
                    context.operation = .link
                    try await storage.saveProvisionedUser(link!)
                    try await record(context, outcome: .succeeded, detail: "linked to the existing user \(existing)")
                    try await scheduleGroups(of: userId, in: application.id)
                } else {
                    context.operation = .create
                    try await ensureActive(application)
                    let created = try await client.createUser(UserMapping.scimUser(user, active: true))
                    guard let remoteId = created.id else {
                        throw RosterError.serviceProvider("the application created the user but sent back no id")
                    }
                    context.remoteId = remoteId
                    try await storage.saveProvisionedUser(ProvisionedUser(applicationId: application.id, userId: userId, remoteId: remoteId, active: true))
                    try await record(context, outcome: .succeeded, detail: "POST /Users")
                    return try await scheduleGroups(of: userId, in: application.id)
                }
            }
            context.operation = .update
            let summary = try await update(link!.remoteId, to: UserMapping.scimUser(user, active: true), client: client, config: config, application: application)
            try await storage.saveProvisionedUser(ProvisionedUser(applicationId: application.id, userId: userId, remoteId: link!.remoteId, active: true))
            try await record(context, outcome: .succeeded, detail: summary)
        } else if let current = link, current.active {
            if try await storage.deprovisionAction(applicationId: application.id) == .delete {
                context.operation = .delete
                do {
                    try await ensureActive(application)
                    try await client.deleteUser(id: current.remoteId)
                } catch let error as SCIMClientError where error.kind == .notFound {
                    // Already gone: what deletion wanted.
                }
                try await storage.deleteProvisionedUser(applicationId: application.id, userId: userId)
                try await record(context, outcome: .succeeded, detail: "DELETE /Users/\(current.remoteId)")
                try await scheduleGroups(of: userId, in: application.id)
            } else {
                context.operation = .deactivate
                if config.patchSupported {
                    try await ensureActive(application)
                    try await client.patchUser(id: current.remoteId, PatchRequest([.init(.replace, path: "active", value: .bool(false))]))
                } else if let user {
                    try await ensureActive(application)
                    try await client.replaceUser(id: current.remoteId, with: UserMapping.scimUser(user, active: false))
                }
                try await storage.saveProvisionedUser(ProvisionedUser(applicationId: application.id, userId: userId, remoteId: current.remoteId, active: false))
                try await record(context, outcome: .succeeded, detail: "active: false")
                try await scheduleGroups(of: userId, in: application.id)
            }
        }
    }

    private func reconcileGroup(_ groupId: UUID, client: SCIMClient, config: ServiceProviderConfig, context: inout Push) async throws {
        let application = context.application
        guard let group = try await storage.group(id: groupId) else { return }
        context.targetName = group.name
        guard try await storage.bindings(groupId: groupId).contains(application.id) else { return }
        let memberIds = try await storage.members(groupId: groupId)
        let wanted = Set(try await storage.provisionedRemoteIds(applicationId: application.id, userIds: memberIds).values)
        if try await storage.provisionedGroup(applicationId: application.id, groupId: groupId) == nil,
           let existing = try await findRemoteGroup(named: group.name, client: client, config: config) {
            // Never two groups: one of the same name in the application becomes this group.
            context.operation = .link
            context.remoteId = existing.id
            try await storage.saveProvisionedGroup(ProvisionedGroup(applicationId: application.id, groupId: groupId,
                                                                    remoteId: existing.id ?? "", members: Set(existing.members.map(\.value))))
            try await record(context, outcome: .succeeded, detail: "linked to the existing group \(existing.id ?? "")")
        }
        guard var pushed = try await storage.provisionedGroup(applicationId: application.id, groupId: groupId) else {
            context.operation = .create
            try await ensureActive(application)
            let created = try await client.createGroup(SCIMGroup(externalId: groupId.text, displayName: group.name,
                                                                 members: wanted.sorted().map { .init(value: $0) }))
            guard let remoteId = created.id else { throw RosterError.serviceProvider("the application created the group but sent back no id") }
            context.remoteId = remoteId
            try await storage.saveProvisionedGroup(ProvisionedGroup(applicationId: application.id, groupId: groupId, remoteId: remoteId, members: wanted))
            return try await record(context, outcome: .succeeded, detail: "POST /Groups with \(wanted.count) members")
        }
        context.remoteId = pushed.remoteId
        let add = wanted.subtracting(pushed.members).sorted(), remove = pushed.members.subtracting(wanted).sorted()
        if !add.isEmpty {
            context.operation = .addMembers
            try await ensureActive(application)
            try await client.patchGroup(id: pushed.remoteId, PatchRequest([.init(.add, path: "members",
                                                                                 value: .array(add.map { .object(["value": .string($0)]) }))]))
            pushed.members.formUnion(add)
            try await storage.saveProvisionedGroup(pushed)
            try await record(context, outcome: .succeeded, detail: "added \(add.count) members")
        }
        if !remove.isEmpty {
            context.operation = .removeMembers
            let filter = remove.map { "value eq \"\($0)\"" }.joined(separator: " or ")
            try await ensureActive(application)
            try await client.patchGroup(id: pushed.remoteId, PatchRequest([.init(.remove, path: "members[\(filter)]")]))
            pushed.members.subtract(remove)
            try await storage.saveProvisionedGroup(pushed)
            try await record(context, outcome: .succeeded, detail: "removed \(remove.count) members")
        }
    }

    /// Sends what changed: PATCH with only the differences when the provider supports it,
    /// else PUT of the whole user; `If-Match` with the version when it supports ETags.
    private func update(_ remoteId: String, to desired: SCIMUser, client: SCIMClient, config: ServiceProviderConfig,
                        application: Application) async throws -> String {
        guard config.patchSupported || config.etagSupported else {
            try await ensureActive(application)
            _ = try await client.replaceUser(id: remoteId, with: desired)
            return "PUT /Users/\(remoteId)"
        }
        let (current, version) = try await client.userWithVersion(id: remoteId)
        let etag = config.etagSupported ? version : nil
        guard config.patchSupported else {
            try await ensureActive(application)
            _ = try await client.replaceUser(id: remoteId, with: desired, etag: etag)
            return "PUT /Users/\(remoteId)" + (etag.map { " If-Match \($0)" } ?? "")
        }
        let operations = UserPatch.operations(from: current.raw, to: desired.json)
        guard !operations.isEmpty else { return "already up to date" }
        try await ensureActive(application)
        try await client.patchUser(id: remoteId, PatchRequest(operations), etag: etag)
        return "PATCH /Users/\(remoteId): " + operations.map { "\($0.op.rawValue) \($0.path ?? "")" }.joined(separator: ", ")
            + (etag.map { " If-Match \($0)" } ?? "")
    }

    /// Checked before every write: a deactivation that lands mid-push stops what is not yet sent.
    private func ensureActive(_ application: Application) async throws {
        guard let integration = try await storage.integration(applicationId: application.id), integration.status == .active else {
            throw Cancelled(reason: "integration deactivated")
        }
    }

    /// A user appeared in or left the application: its bound groups' members change with it.
    private func scheduleGroups(of userId: UUID, in applicationId: UUID) async throws {
        for groupId in try await storage.boundGroups(applicationId: applicationId) {
            let isMember = try await storage.members(groupId: groupId).contains(userId)
            let wasPushed = try await storage.provisionedGroup(applicationId: applicationId, groupId: groupId) != nil
            if isMember || wasPushed { try await queue.group(groupId, in: applicationId) }
        }
    }

    /// The application's group with this displayName, if there is one.
    private func findRemoteGroup(named name: String, client: SCIMClient, config: ServiceProviderConfig) async throws -> SCIMGroup? {
        let query = UserQuery(filter: config.filterSupported ? "displayName eq \(SCIMFilter.quote(name))" : nil, pageSize: config.filterSupported ? 10 : 200)
        for try await page in client.pages("/Groups", query, config: config) {
            if let match = page.map(SCIMGroup.init(json:)).first(where: { $0.displayName == name && $0.id != nil }) { return match }
        }
        return nil
    }

    /// The id of the application's user with the same userName or email, if there is one.
    private func findRemote(_ user: DirectoryUser, client: SCIMClient, config: ServiceProviderConfig) async throws -> String? {
        let text = "userName eq \(SCIMFilter.quote(user.username)) or emails.value eq \(SCIMFilter.quote(user.email))"
        let filter = try SCIMFilter(parsing: text)
        let query = UserQuery(filter: config.filterSupported ? text : nil, pageSize: config.filterSupported ? 10 : 200)
        for try await page in client.userPages(query, config: config) {
            if let match = page.first(where: { filter.matches($0.raw) }), let id = match.id { return id }
        }
        return nil
    }

    private func serviceProvider(_ integration: Integration, _ client: SCIMClient) async throws -> ServiceProviderConfig {
        if let known = integration.serviceProvider { return known }
        let config = try await client.serviceProviderConfig()
        try await storage.recordConnection(applicationId: integration.applicationId, serviceProvider: config, lastError: nil)
        return config
    }

    private func record(_ push: Push, outcome: ProvisioningLogEntry.Outcome, detail: String?, initiator: Initiator = .system) async throws {
        let entry = ProvisioningLogEntry(application: .init(push.application), targetType: push.targetType, targetId: push.targetId,
                                         targetName: push.targetName, operation: push.operation, outcome: outcome,
                                         remoteId: push.remoteId, detail: detail)
        let event = InsightsEvent(type: "provision_\(push.operation.rawValue)", initiator: initiator,
                                  resource: .init(type: push.targetType.rawValue, id: push.targetId.uuidString, name: push.targetName),
                                  application: .init(push.application), success: outcome == .succeeded)
        try await storage.log(entry, event: event)
        logger.info("provisioning push", metadata: ["application": "\(push.application.name)", "operation": "\(push.operation)", "outcome": "\(outcome)"])
    }

    public func log(application name: String, by initiator: Initiator) async throws -> [ProvisioningLogEntry] {
        try initiator.require(.read)
        let application = try await applications.find(name)
        return try await storage.provisioningLog(applicationId: application.id, limit: 100_000)
    }
}
