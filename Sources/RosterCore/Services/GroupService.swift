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
        try await storage.createGroup(group)
        try await storage.record(
            InsightsEvent(
                type: .groupCreate, initiator: initiator,
                resource: .init(type: "group", id: group.id, name: name)))
        return group
    }

    public func addMembers(group name: String, emails: [String], by initiator: Initiator) async throws {
        try initiator.require(.change)
        try await add(try await lookup.users(emails: emails), to: try await lookup.group(name), by: initiator)
    }

    /// Adds members, records each, and provisions them where the group is bound.
    func add(_ users: [DirectoryUser], to group: UserGroup, by initiator: Initiator) async throws {
        guard !users.isEmpty else { return }
        try await storage.addMembers(groupId: group.id, userIds: users.map(\.id))
        try await record(.groupAddMember, users, initiator)
        try await provisioning.groupChanged(group.id, members: users.map(\.id))
    }

    public func removeMembers(group name: String, emails: [String], by initiator: Initiator) async throws {
        try initiator.require(.change)
        try await remove(try await lookup.users(emails: emails), from: try await lookup.group(name), by: initiator)
    }

    /// Removes members, records each, and deprovisions them where nothing else keeps them.
    func remove(_ users: [DirectoryUser], from group: UserGroup, by initiator: Initiator) async throws {
        guard !users.isEmpty else { return }
        try await storage.removeMembers(groupId: group.id, userIds: users.map(\.id))
        try await record(.groupRemoveMember, users, initiator)
        try await provisioning.usersChanged(users.map(\.id), by: initiator)
        try await provisioning.groupChanged(group.id, members: [])
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
        try await storage.bind(groupId: group.id, applicationId: app.id, authoritative: authoritative)
        try await storage.record(
            InsightsEvent(
                type: .groupBind, initiator: initiator,
                resource: .init(type: "group", id: group.id, name: group.name),
                application: .init(app)))
        try await provisioning.groupChanged(group.id, members: try await storage.members(groupId: group.id))
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
        try await storage.unbind(groupId: group.id, applicationId: app.id)
        try await storage.record(
            InsightsEvent(
                type: .groupUnbind, initiator: initiator,
                resource: .init(type: "group", id: group.id, name: group.name),
                application: .init(app)))
        try await provisioning.usersChanged(try await storage.members(groupId: group.id), by: initiator)
    }

    public func list(by initiator: Initiator) async throws -> [(UserGroup, members: Int, applications: [UUID])] {
        try initiator.require(.read)
        var rows: [(UserGroup, members: Int, applications: [UUID])] = []
        for group in try await storage.groups() {
            rows.append(
                (
                    group, try await storage.members(groupId: group.id).count,
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
        let ids = try await storage.members(groupId: group.id)
        var members: [DirectoryUser] = []
        for id in ids.prefix(limit) { if let user = try await storage.user(id: id) { members.append(user) } }
        var applications: [Application] = []
        for id in try await storage.bindings(groupId: group.id) {
            if let app = try await storage.application(id: id) { applications.append(app) }
        }
        return (group, members.sorted { $0.email.lowercased() < $1.email.lowercased() }, ids.count, applications)
    }

    private func record(_ type: InsightsEventType, _ users: [DirectoryUser], _ initiator: Initiator) async throws {
        for user in users {
            try await storage.record(
                InsightsEvent(
                    type: type, initiator: initiator,
                    resource: .init(type: "user", id: user.id, name: user.email)))
        }
    }
}
