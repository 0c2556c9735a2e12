import Foundation
import SCIM

@testable import RosterCore

/// ``Storage`` in memory, for the domain's tests: the rules the real store keeps (uniqueness,
/// one result per remote user, leases) are kept here too, so a service behaves as it would on
/// SQLite. `now` is the clock of leases and retries; `failing` makes the next calls throw, as
/// a database that went away would.
actor InMemoryStorage: Storage {
    var now: @Sendable () -> Date = { Date() }
    /// While set, every call of these names throws ``StorageDown``.
    var failing: Set<String> = []

    var users: [UUID: DirectoryUser] = [:]
    var passwords: [UUID: String] = [:]
    var tokens: [String: UserToken] = [:]
    var applications: [UUID: Application] = [:]
    var integrations: [UUID: Integration] = [:]
    var pushFailures: [UUID: Int] = [:]
    var deprovisionActions: [UUID: DeprovisionAction] = [:]
    var groups: [UUID: UserGroup] = [:]
    var members: [UUID: Set<UUID>] = [:]
    var bindings: [UUID: Set<UUID>] = [:]
    var authoritativeBindings: [String: Bool] = [:]
    var provisionedUsers: [String: ProvisionedUser] = [:]
    var provisionedGroups: [String: ProvisionedGroup] = [:]
    var log: [ProvisioningLogEntry] = []
    var importJobs: [UUID: ImportJob] = [:]
    var importResults: [UUID: [ImportResult]] = [:]
    /// Per job, (its total, the users it had processed) as each batch committed.
    var committedTotals: [UUID: [(total: Int, processed: Int)]] = [:]
    var events: [InsightsEvent] = []
    var administrators: [UUID: Administrator] = [:]
    var keys: [APIKey] = []
    var sessions: [String: AdminSession] = [:]
    var throttle: [String: (attempts: Int, windowStart: Date, lockedUntil: Date?)] = [:]
    var recoveryCodes: [UUID: Set<String>] = [:]
    var totpSteps: [UUID: Int64] = [:]
    var outbox: [UUID: OutboxMail] = [:]
    var jobs: [Job] = []
    var listings: [UUID: (generation: UUID, listedAt: Date, stale: Bool)] = [:]
    var listedUsers: [UUID: [ListedUser]] = [:]
    var importSchedules: [UUID: ImportSchedule] = [:]
    var digests: Set<String> = []
    var mappings: [UUID: [MappingVersion]] = [:]
    var declaredAttributes: [String: CustomAttribute] = [:]

    struct Job {
        var id: UUID
        var payload: JobPayload
        var status: String
        var runAfter: Date
        var leaseOwner: String?
        var leaseUntil: Date?
        var attempts: Int
        var lastError: String?
        var created: Date
        var queued: QueuedJob {
            QueuedJob(id: id, kind: payload.kind.rawValue, encodedPayload: payload.encoded(), attempts: attempts)
        }
    }

    struct StorageDown: Error, CustomStringConvertible {
        let call: String
        var description: String { "the database is unreachable (\(call))" }
    }

    func setNow(_ clock: @escaping @Sendable () -> Date) { now = clock }
    func setFailing(_ calls: Set<String>) { failing = calls }

    func check(_ call: String = #function) throws {
        let name = String(call.prefix { $0 != "(" })
        if failing.contains(name) { throw StorageDown(call: name) }
    }

    func key(_ a: UUID, _ b: UUID) -> String { a.text + "/" + b.text }
}

// MARK: - Directory

extension InMemoryStorage {
    func users(search: String?, filters: [UserFilter], sort: UserSort, limit: Int, offset: Int) async throws
        -> [DirectoryUser]
    {
        try check()
        let prefix = search?.lowercased()
        let kept = users.values.filter { user in
            guard filters.allSatisfy({ $0.matches(user) }) else { return false }
            guard let prefix else { return true }
            return [user.email, user.username, user.displayname ?? "", user.lastname ?? ""]
                .contains { $0.lowercased().hasPrefix(prefix) }
        }
        let sorted = kept.sorted { a, b in
            switch sort {
            case .email: a.email.lowercased() < b.email.lowercased()
            case .username: a.username.lowercased() < b.username.lowercased()
            case .created:
                // Newest first, ties by email (descending), as the database orders them.
                a.created != b.created ? a.created > b.created : a.email.lowercased() > b.email.lowercased()
            case .state: (a.state.rawValue, a.email.lowercased()) < (b.state.rawValue, b.email.lowercased())
            }
        }
        return Array(sorted.dropFirst(offset).prefix(limit))
    }

    func users(search: String?, filters: [UserFilter], sort: UserSort, limit: Int, cursor: UserCursor?) async throws
        -> [DirectoryUser]
    {
        let all = try await users(search: search, filters: filters, sort: sort, limit: Int.max, offset: 0)
        guard let cursor else { return Array(all.prefix(limit)) }
        /// Whether `a`'s key comes before `b`'s in the order (created: newest first, numerically).
        func before(_ a: [String], _ b: [String]) -> Bool {
            // Newest first and, among equals, by email descending, as the database orders them.
            if sort == .created { return a[0] != b[0] ? Int64(a[0])! > Int64(b[0])! : a[1] > b[1] }
            return a.lexicographicallyPrecedes(b)
        }
        let keyed = all.map { (UserCursor(after: $0, sort: sort).key, $0) }
        if cursor.backwards {
            let kept = cursor.key.isEmpty ? keyed : keyed.filter { before($0.0, cursor.key) }
            return Array(kept.reversed().prefix(limit).map(\.1))
        }
        return Array(keyed.filter { before(cursor.key, $0.0) }.prefix(limit).map(\.1))
    }

    func userCount() async throws -> Int {
        try check()
        return users.count
    }
    func user(id: UUID) async throws -> DirectoryUser? {
        try check()
        return users[id]
    }

    func usersMatching(keys: [String]) async throws -> [DirectoryUser] {
        try check()
        let wanted = Set(keys.map { $0.lowercased() })
        return users.values.filter {
            wanted.contains($0.email.lowercased()) || wanted.contains($0.username.lowercased())
        }
    }

    func setPassword(userId: UUID, hash: String) async throws {
        try check()
        passwords[userId] = hash
        users[userId]?.passwordStatus = .set
    }

    func createUserToken(hash: String, userId: UUID, purpose: String, expires: Date) async throws {
        try check()
        tokens[hash] = UserToken(userId: userId, purpose: purpose, expires: expires, used: nil)
    }

    func userToken(hash: String) async throws -> UserToken? {
        try check()
        return tokens[hash]
    }

    func invalidateUserTokens(userId: UUID, now: Date) async throws {
        try check()
        for (hash, token) in tokens where token.userId == userId && token.used == nil { tokens[hash]?.used = now }
    }

    func redeemUserToken(hash: String, passwordHash: String, now: Date) async throws -> Bool {
        try check()
        guard var token = tokens[hash], token.used == nil, token.expires > now else { return false }
        token.used = now
        tokens[hash] = token
        passwords[token.userId] = passwordHash
        users[token.userId]?.passwordStatus = .set
        return true
    }

    func updateUser(_ user: DirectoryUser) async throws {
        try check()
        let others = users.values.filter { $0.id != user.id }
        if others.contains(where: {
            $0.email.lowercased() == user.email.lowercased() || $0.username.lowercased() == user.username.lowercased()
        }) {
            throw RosterError.conflict(
                "the email \(user.email) or the username \(user.username) belongs to another user")
        }
        users[user.id] = user
    }

    /// The user that `user` would collide with: same remote identity, email or username.
    func conflicting(_ user: DirectoryUser) -> DirectoryUser? {
        users.values.first { other in
            (user.source.remoteId != nil && other.source.applicationId == user.source.applicationId
                && other.source.remoteId == user.source.remoteId)
                || other.email.lowercased() == user.email.lowercased()
                || other.username.lowercased() == user.username.lowercased()
                || other.email.lowercased() == user.username.lowercased()
                || other.username.lowercased() == user.email.lowercased()
        }
    }

    /// Adds users directly (a directory that already has people in it).
    func add(_ user: DirectoryUser) { users[user.id] = user }
}

// MARK: - Applications

extension InMemoryStorage {
    func createApplication(_ application: Application) async throws {
        try check()
        if applications.values.contains(where: { $0.name.lowercased() == application.name.lowercased() }) {
            throw RosterError.conflict("an application named \"\(application.name)\" already exists")
        }
        applications[application.id] = application
    }

    func application(named name: String) async throws -> Application? {
        try check()
        return applications.values.first { $0.name.lowercased() == name.lowercased() }
    }

    func application(id: UUID) async throws -> Application? {
        try check()
        return applications[id]
    }

    func applications(search: String?) async throws -> [(Application, Integration?)] {
        try check()
        return applications.values.filter { search == nil || $0.name.lowercased().contains(search!.lowercased()) }
            .sorted { $0.name.lowercased() < $1.name.lowercased() }.map { ($0, integrations[$0.id]) }
    }

    func saveIntegration(_ integration: Integration) async throws {
        try check()
        integrations[integration.applicationId] = integration
    }

    func setIntegrationStatus(applicationId: UUID, status: Integration.Status) async throws {
        try check()
        integrations[applicationId]?.status = status
    }

    func recordConnection(applicationId: UUID, serviceProvider: ServiceProviderConfig?, lastError: String?) async throws
    {
        try check()
        integrations[applicationId]?.serviceProvider = serviceProvider
        integrations[applicationId]?.lastError = lastError
    }

    func recordListingFallbacks(applicationId: UUID, _ fallbacks: ListingFallbacks) async throws {
        try check()
        integrations[applicationId]?.listingFallbacks = fallbacks
    }

    func integration(applicationId: UUID) async throws -> Integration? {
        try check()
        return integrations[applicationId]
    }
}

// MARK: - Groups

extension InMemoryStorage {
    func createGroup(_ group: UserGroup) async throws {
        try check()
        if groups.values.contains(where: { $0.name.lowercased() == group.name.lowercased() }) {
            throw RosterError.conflict("a group named \"\(group.name)\" already exists")
        }
        groups[group.id] = group
    }

    func group(named name: String) async throws -> UserGroup? {
        try check()
        return groups.values.first { $0.name.lowercased() == name.lowercased() }
    }

    func group(id: UUID) async throws -> UserGroup? {
        try check()
        return groups[id]
    }
    func groups() async throws -> [UserGroup] {
        try check()
        return groups.values.sorted { $0.name < $1.name }
    }

    func groups(memberId: UUID) async throws -> [UserGroup] {
        try check()
        return groups.values.filter { members[$0.id, default: []].contains(memberId) }.sorted { $0.name < $1.name }
    }

    func addMembers(groupId: UUID, userIds: [UUID]) async throws {
        try check()
        members[groupId, default: []].formUnion(userIds)
    }
    func removeMembers(groupId: UUID, userIds: [UUID]) async throws {
        try check()
        members[groupId]?.subtract(userIds)
    }
    func members(groupId: UUID) async throws -> [UUID] {
        try check()
        return members[groupId, default: []].sorted { $0.text < $1.text }
    }
    func bind(groupId: UUID, applicationId: UUID, authoritative: Bool) async throws {
        try check()
        bindings[groupId, default: []].insert(applicationId)
        authoritativeBindings[key(groupId, applicationId)] = authoritative
    }

    func isAuthoritative(groupId: UUID, applicationId: UUID) async throws -> Bool {
        try check()
        return authoritativeBindings[key(groupId, applicationId)] ?? false
    }
    func unbind(groupId: UUID, applicationId: UUID) async throws {
        try check()
        bindings[groupId]?.remove(applicationId)
    }

    func boundGroups(applicationId: UUID) async throws -> [UUID] {
        try check()
        return bindings.filter { $0.value.contains(applicationId) }.map(\.key)
    }

    func bindings(groupId: UUID) async throws -> [UUID] {
        try check()
        return Array(bindings[groupId, default: []])
    }

    func isManaged(userId: UUID, applicationId: UUID) async throws -> Bool {
        try check()
        return bindings.contains { $0.value.contains(applicationId) && members[$0.key, default: []].contains(userId) }
    }

    func managingApplications(userId: UUID) async throws -> [UUID] {
        try check()
        return Array(Set(bindings.filter { members[$0.key, default: []].contains(userId) }.flatMap(\.value)))
    }
}

// MARK: - Provisioning

extension InMemoryStorage {
    func provisionedUser(applicationId: UUID, userId: UUID) async throws -> ProvisionedUser? {
        try check()
        return provisionedUsers[key(applicationId, userId)]
    }

    func saveProvisionedUser(_ link: ProvisionedUser) async throws {
        try check()
        provisionedUsers[key(link.applicationId, link.userId)] = link
    }

    func deleteProvisionedUser(applicationId: UUID, userId: UUID) async throws {
        try check()
        provisionedUsers[key(applicationId, userId)] = nil
    }

    func provisionedRemoteIds(applicationId: UUID, userIds: [UUID]) async throws -> [UUID: String] {
        try check()
        var ids: [UUID: String] = [:]
        for user in userIds {
            if let link = provisionedUsers[key(applicationId, user)], link.active { ids[user] = link.remoteId }
        }
        return ids
    }

    func provisionedGroup(applicationId: UUID, groupId: UUID) async throws -> ProvisionedGroup? {
        try check()
        return provisionedGroups[key(applicationId, groupId)]
    }

    func saveProvisionedGroup(_ group: ProvisionedGroup) async throws {
        try check()
        provisionedGroups[key(group.applicationId, group.groupId)] = group
    }

    func confirmUnconfirmedMembers(applicationId: UUID) async throws -> [UUID] {
        try check()
        var groups: [UUID] = []
        for (key, group) in provisionedGroups where group.applicationId == applicationId && !group.unconfirmed.isEmpty {
            provisionedGroups[key]?.unconfirmed = []
            groups.append(group.groupId)
        }
        return groups
    }

    func setRateLimit(applicationId: UUID, _ requestsPerSecond: Double?) async throws {
        try check()
        integrations[applicationId]?.rateLimit = requestsPerSecond
    }

    func setAllowPrivateNetwork(applicationId: UUID, _ allowed: Bool) async throws {
        try check()
        integrations[applicationId]?.allowPrivateNetwork = allowed
    }

    func log(_ entry: ProvisioningLogEntry, event: InsightsEvent) async throws {
        try check()
        log.append(entry)
        events.append(event)
    }

    func provisioningLog(_ query: ProvisioningLogQuery) async throws -> [ProvisioningLogEntry] {
        try check()
        let kept = log.filter {
            $0.application.id == query.applicationId && (query.targetId == nil || $0.targetId == query.targetId)
        }
        let ordered = query.newestFirst ? kept.reversed() : kept
        return Array(ordered.dropFirst(query.offset).prefix(query.limit))
    }

    func provisionedApplications(userId: UUID) async throws -> [UUID] {
        try check()
        return provisionedUsers.values.filter { $0.userId == userId && $0.active }.map(\.applicationId)
    }

    func provisionedUserIds(applicationId: UUID) async throws -> [UUID] {
        try check()
        return provisionedUsers.values.filter { $0.applicationId == applicationId && $0.active }.map(\.userId)
    }

    func provisionedUserCount(applicationId: UUID) async throws -> Int {
        try await provisionedUserIds(applicationId: applicationId).count
    }

    func recordPush(applicationId: UUID, succeeded: Bool) async throws -> Int {
        try check()
        pushFailures[applicationId] = succeeded ? 0 : pushFailures[applicationId, default: 0] + 1
        return pushFailures[applicationId, default: 0]
    }

    func deprovisionAction(applicationId: UUID) async throws -> DeprovisionAction {
        try check()
        return deprovisionActions[applicationId] ?? .deactivate
    }

    func setDeprovisionAction(applicationId: UUID, _ action: DeprovisionAction) async throws {
        try check()
        deprovisionActions[applicationId] = action
    }
}
