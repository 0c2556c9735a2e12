import Foundation
import SCIM

/// Roster's SCIM service for groups: directory groups, their members by user id. A group bound
/// to applications is provisioned there as any change of it is, so an inbound change flows on.
public struct SCIMGroups: SCIMResourceService {
    let storage: any Storage
    let groups: GroupService
    let base: String

    static func caseExact(_ path: SCIMFilter.AttributePath) -> Bool {
        path.schema == nil && (path.name.lowercased() == "id" || path.name.lowercased() == "members")
    }

    public func get(id: String, by initiator: Initiator) async throws -> JSONValue {
        try initiator.require(.read)
        return try await render(try await group(id))
    }

    public func create(_ json: JSONValue, by initiator: Initiator) async throws -> JSONValue {
        try initiator.require(.change)
        let name = try await displayName(json)
        let members = try await users(json)
        let group = UserGroup(name: name, externalId: externalId(json))
        do { try await storage.createGroup(group) } catch RosterError.conflict(let message) {
            throw SCIMProtocolError(409, .uniqueness, message)
        }
        try await record(.groupCreate, group, initiator)
        try await groups.add(members, to: group, by: initiator)
        return try await render(group)
    }

    public func replace(id: String, _ json: JSONValue, ifMatch: String?, by initiator: Initiator) async throws
        -> JSONValue
    {
        try initiator.require(.change)
        let group = try await group(id)
        try await checkVersion(ifMatch, group)
        if let sent = json["id"]?.text, sent != group.id.text {
            throw SCIMProtocolError.badRequest(.mutability, "id is \(group.id.text) and cannot be changed")
        }
        return try await save(
            group, name: try await displayName(json, of: group), externalId: externalId(json),
            members: try await users(json), by: initiator)
    }

    public func patch(id: String, _ body: JSONValue, ifMatch: String?, by initiator: Initiator) async throws
        -> JSONValue
    {
        try initiator.require(.change)
        let patch = try SCIMPatch(json: body, core: SCIMSchema.group, extensions: [])
        let group = try await group(id)
        try await checkVersion(ifMatch, group)
        var json = try await render(group)
        try patch.apply(to: &json, extensions: [])
        return try await save(
            group, name: try await displayName(json, of: group), externalId: externalId(json),
            members: try await users(json), by: initiator)
    }

    /// Deletes the group; one bound to applications is refused, since deleting it would
    /// deprovision its members from them: an administrator unbinds it first.
    public func delete(id: String, ifMatch: String?, by initiator: Initiator) async throws {
        try initiator.require(.change)
        let group = try await group(id)
        try await checkVersion(ifMatch, group)
        let bound = try await storage.bindings(groupId: group.id)
        if !bound.isEmpty {
            var names: [String] = []
            for id in bound { if let app = try await storage.application(id: id) { names.append(app.name) } }
            throw SCIMProtocolError(
                409, nil,
                "the group is bound to \(names.joined(separator: ", ")); an administrator unbinds it before it "
                    + "is deleted"
            )
        }
        let members = try await storage.members(groupId: group.id)
        try await storage.deleteGroup(id: group.id)
        try await record(.groupDelete, group, initiator)
        try await groups.provisioning.usersChanged(members, by: initiator)
    }

    public func list(_ query: SCIMListQuery, by initiator: Initiator) async throws -> SCIMList {
        try initiator.require(.read)
        var found: [JSONValue] = []
        for group in try await storage.groups().sorted(by: { ($0.created, $0.id.text) < ($1.created, $1.id.text) }) {
            let json = try await render(group)
            if query.filter?.matches(json, caseExact: Self.caseExact) ?? true { found.append(json) }
        }
        if let sortBy = query.sortBy { found = SCIMList.sorted(found, by: sortBy, descending: query.descending) }
        return SCIMList(all: found, query: query)
    }

    // MARK: -

    private func group(_ id: String) async throws -> UserGroup {
        guard let uuid = UUID(text: id), let group = try await storage.group(id: uuid) else {
            throw SCIMProtocolError.notFound("there is no group \(id)")
        }
        return group
    }

    private func render(_ group: UserGroup) async throws -> JSONValue {
        SCIMResources.group(group, members: try await storage.members(groupId: group.id), base: base)
    }

    private func checkVersion(_ ifMatch: String?, _ group: UserGroup) async throws {
        try SCIMResources.checkVersion(ifMatch, try await render(group), "group")
    }

    /// The group's name; a name that is another group's id is refused, since links would find
    /// that group by it.
    private func displayName(_ json: JSONValue, of group: UserGroup? = nil) async throws -> String {
        guard case .object = json else {
            throw SCIMProtocolError.badRequest(.invalidSyntax, "the resource is not a JSON object")
        }
        guard let text = json["displayName"]?.text else {
            throw SCIMProtocolError.badRequest(.invalidValue, "displayName is required")
        }
        let name: String
        do { name = try Naming.name(text, of: "a group", idLike: true) } catch let error as RosterError {
            throw SCIMProtocolError.badRequest(.invalidValue, error.description)
        }
        if let id = UUID(text: name), id != group?.id, try await storage.group(id: id) != nil {
            throw SCIMProtocolError.badRequest(.invalidValue, "\"\(name)\" is another group's id: choose another name")
        }
        return name
    }

    /// The members a resource names, each a visible directory user.
    private func users(_ json: JSONValue) async throws -> [DirectoryUser] {
        var users: [DirectoryUser] = []
        var seen = Set<UUID>()
        for member in json["members"]?.elements ?? [] {
            guard let value = member["value"]?.text ?? member.text else {
                throw SCIMProtocolError.badRequest(.invalidValue, "a member has no value (the user's id)")
            }
            if let type = member["type"]?.text, type.lowercased() != "user" {
                throw SCIMProtocolError.badRequest(
                    .invalidValue, "member \(value) is a \(type); Roster's groups hold users")
            }
            guard let id = UUID(text: value), let user = try await storage.user(id: id), user.scimDeleted == nil else {
                throw SCIMProtocolError.badRequest(.invalidValue, "member \(value) is not a user of this directory")
            }
            if seen.insert(id).inserted { users.append(user) }
        }
        return users
    }

    private func externalId(_ json: JSONValue) -> String? {
        json["externalId"]?.text.flatMap { $0.isEmpty ? nil : $0 }
    }

    private func save(
        _ group: UserGroup, name: String, externalId: String?, members: [DirectoryUser], by initiator: Initiator
    ) async throws -> JSONValue {
        var group = group
        if externalId != group.externalId {
            try await storage.setGroupExternalId(id: group.id, externalId: externalId)
            group.externalId = externalId
        }
        if name != group.name {
            do { try await storage.renameGroup(id: group.id, name: name) } catch RosterError.conflict(let message) {
                throw SCIMProtocolError(409, .uniqueness, message)
            }
            group.name = name
            try await record(.groupRename, group, initiator)
            // A bound group is pushed by name: the applications see the new one.
            try await groups.provisioning.groupChanged(group.id, members: [])
        }
        let current = Set(try await storage.members(groupId: group.id))
        let wanted = Set(members.map(\.id))
        try await groups.add(members.filter { !current.contains($0.id) }, to: group, by: initiator)
        var leaving: [DirectoryUser] = []
        for id in current.subtracting(wanted) { if let user = try await storage.user(id: id) { leaving.append(user) } }
        try await groups.remove(leaving, from: group, by: initiator)
        return try await render(group)
    }

    private func record(_ type: InsightsEventType, _ group: UserGroup, _ initiator: Initiator) async throws {
        try await storage.record(
            InsightsEvent(
                type: type, initiator: initiator, resource: .init(type: "group", id: group.id, name: group.name)))
    }
}
