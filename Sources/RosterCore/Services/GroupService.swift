import Foundation

/// User groups, their members, and their bindings to applications. Every change schedules
/// the provisioning it implies.
public struct GroupService: Sendable {
    let storage: any Storage
    let lookup: Lookup
    let provisioning: ProvisioningScheduler
    let access: IntegrationAccess
    let sync: GroupSync

    public func create(name: String, by initiator: Initiator) async throws -> UserGroup {
        try initiator.require(.change)
        let name = try Naming.name(name, of: "a group")
        let group = UserGroup(name: name)
        try await storage.transaction { tx in
            try await tx.createGroup(group)
            try await tx.record(
                InsightsEvent(
                    type: .groupCreate, initiator: initiator,
                    resource: .init(type: "group", id: group.id, name: name)))
        }
        return group
    }

    public func addMembers(group name: String, emails: [String], by initiator: Initiator) async throws {
        try initiator.require(.change)
        let users = try await lookup.users(emails: emails)
        let group = try await lookup.group(name)
        try await storage.transaction { tx in
            try await changeMembers(of: try await lock(group, in: tx), adding: users.map(\.id), by: initiator, in: tx)
        }
    }

    public func removeMembers(group name: String, emails: [String], by initiator: Initiator) async throws {
        try initiator.require(.change)
        let users = try await lookup.users(emails: emails)
        let group = try await lookup.group(name)
        try await storage.transaction { tx in
            try await changeMembers(
                of: try await lock(group, in: tx), removing: users.map(\.id), by: initiator, in: tx)
        }
    }

    /// The group, locked in `tx` until it ends: changes of one group's members take turns, so
    /// each sees the last one's rows, and the versions they leave order them.
    func lock(_ group: UserGroup, in tx: any Storage) async throws -> UserGroup {
        guard let locked = try await tx.lockGroup(id: group.id) else {
            throw RosterError.notFound("there is no group named \"\(group.name)\" (it was deleted meanwhile)")
        }
        return locked
    }

    /// The one rule for changing members, whichever door asks: only the rows named are inserted or
    /// deleted (a member already there, or already gone, changes nothing), each real change is an
    /// Insights event, and the provisioning it causes is queued, all in `tx`, which holds the group
    /// (``lock(_:in:)``). Every user added must be a user of the directory that SCIM has not deleted.
    @discardableResult
    func changeMembers(
        of group: UserGroup, adding: [UUID] = [], removing: [UUID] = [], by initiator: Initiator, in tx: any Storage
    ) async throws -> (added: [UUID], removed: [UUID]) {
        var adding = adding.uniqued()
        let removing = Set(removing)
        adding.removeAll { removing.contains($0) }
        if !adding.isEmpty {
            let found = Dictionary(
                try await tx.users(ids: adding).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            if let missing = adding.first(where: { found[$0] == nil || found[$0]?.scimDeleted != nil }) {
                throw RosterError.invalid("member \(missing.text) is not a user of this directory")
            }
        }
        let added = try await tx.addMembers(groupId: group.id, userIds: adding)
        let removed = try await tx.removeMembers(groupId: group.id, userIds: Array(removing))
        let changed = try await tx.users(ids: added + removed)
        let byId = Dictionary(changed.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        try await record(.groupAddMember, added.compactMap { byId[$0] }, initiator, in: tx)
        try await record(.groupRemoveMember, removed.compactMap { byId[$0] }, initiator, in: tx)
        if !added.isEmpty { try await provisioning.groupChanged(group.id, members: added, in: tx) }
        if !removed.isEmpty {
            try await provisioning.usersChanged(removed, by: initiator, in: tx)
            try await provisioning.groupChanged(group.id, members: [], in: tx)
        }
        return (added, removed)
    }

    /// Makes the group's members exactly `members`: the difference from what it holds, in `tx`
    /// (which holds the group).
    @discardableResult
    func replaceMembers(of group: UserGroup, with members: [UUID], by initiator: Initiator, in tx: any Storage)
        async throws -> (added: [UUID], removed: [UUID])
    {
        let wanted = Set(members)
        let current = Set(try await tx.members(groupId: group.id))
        return try await changeMembers(
            of: group, adding: members.filter { !current.contains($0) },
            removing: current.subtracting(wanted).sorted { $0.text < $1.text }, by: initiator, in: tx)
    }

    /// Binds the group: its members are provisioned in the application. When the application has
    /// a group of the same name, Roster adopts it; `authoritative` makes it remove the members it
    /// did not add at once, instead of holding their removal until an administrator confirms.
    public func bind(group name: String, application: String, authoritative: Bool = false, by initiator: Initiator)
        async throws
    {
        try initiator.require(.change)
        let group = try await lookup.group(name)
        let app = try await lookup.application(application)
        try await storage.transaction { tx in
            let group = try await lock(group, in: tx)
            try await tx.bind(groupId: group.id, applicationId: app.id, authoritative: authoritative)
            try await tx.record(
                InsightsEvent(
                    type: .groupBind, initiator: initiator,
                    resource: .init(type: "group", id: group.id, name: group.name),
                    application: .init(app)))
            try await provisioning.groupChanged(group.id, members: try await tx.members(groupId: group.id), in: tx)
        }
    }

    /// What binding would do, read from the application now; nothing is changed.
    public func previewBinding(
        group name: String, application: String, authoritative: Bool = false,
        by initiator: Initiator
    ) async throws -> BindingPreview {
        try initiator.require(.read)
        let group = try await lookup.group(name)
        let connection = try await access.connect(try await lookup.application(application))
        do {
            return try await sync.preview(group, authoritative: authoritative, connection: connection)
        } catch { throw RosterError.from(error) }
    }

    public func unbind(group name: String, application: String, by initiator: Initiator) async throws {
        try initiator.require(.change)
        let group = try await lookup.group(name)
        let app = try await lookup.application(application)
        try await storage.transaction { tx in
            let group = try await lock(group, in: tx)
            try await tx.unbind(groupId: group.id, applicationId: app.id)
            try await tx.record(
                InsightsEvent(
                    type: .groupUnbind, initiator: initiator,
                    resource: .init(type: "group", id: group.id, name: group.name),
                    application: .init(app)))
            try await provisioning.usersChanged(try await tx.members(groupId: group.id), by: initiator, in: tx)
        }
    }

    public func list(by initiator: Initiator) async throws -> [(UserGroup, members: Int, applications: [UUID])] {
        try initiator.require(.read)
        var rows: [(UserGroup, members: Int, applications: [UUID])] = []
        for group in try await storage.groups() {
            rows.append(
                (
                    group, try await storage.memberCount(groupId: group.id),
                    try await storage.bindings(groupId: group.id)
                ))
        }
        return rows
    }

    /// A group with its members (the first `limit`) and the applications it is bound to.
    public func details(group name: String, limit: Int = 500, by initiator: Initiator) async throws
        -> (group: UserGroup, members: [DirectoryUser], memberCount: Int, applications: [Application])
    {
        try initiator.require(.read)
        let group = try await lookup.group(name)
        let page = try await members(of: group, after: nil, limit: limit)
        var applications: [Application] = []
        for id in try await storage.bindings(groupId: group.id) {
            if let app = try await storage.application(id: id) { applications.append(app) }
        }
        return (
            group, page.sorted { $0.email.lowercased() < $1.email.lowercased() },
            try await storage.memberCount(groupId: group.id), applications
        )
    }

    /// A page of the group's members in id order, after the member `after`: the same cost at any
    /// size of group. The next page starts after the last id of this one.
    public func members(group name: String, after: UUID?, limit: Int, by initiator: Initiator) async throws
        -> [DirectoryUser]
    {
        try initiator.require(.read)
        guard (1...1000).contains(limit) else { throw RosterError.invalid("limit must be 1 to 1000") }
        return try await members(of: try await lookup.group(name), after: after, limit: limit)
    }

    private func members(of group: UserGroup, after: UUID?, limit: Int) async throws -> [DirectoryUser] {
        let ids = try await storage.members(groupId: group.id, after: after, limit: limit)
        let byId = Dictionary(
            try await storage.users(ids: ids).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        return ids.compactMap { byId[$0] }
    }

    private func record(_ type: InsightsEventType, _ users: [DirectoryUser], _ initiator: Initiator, in tx: any Storage)
        async throws
    {
        for user in users {
            try await tx.record(
                InsightsEvent(
                    type: type, initiator: initiator,
                    resource: .init(type: "user", id: user.id, name: user.email)))
        }
    }
}
