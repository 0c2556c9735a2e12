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

    public func get(id: String, projection: SCIMProjection, by initiator: Initiator) async throws -> JSONValue {
        try initiator.require(.read)
        return try await render(try await group(id, in: storage), members: projection.includes("members"))
    }

    /// POST: the group, its members, their Insights events and the provisioning they cause, in one
    /// transaction.
    public func create(_ json: JSONValue, projection: SCIMProjection, by initiator: Initiator) async throws
        -> JSONValue
    {
        try initiator.require(.change)
        let members = try SCIMGroupPatch.memberIds(json["members"] ?? .null)
        let created = try await storage.transaction { tx in
            try check(externalId: externalId(json))
            let group = UserGroup(name: try await displayName(json, in: tx), externalId: externalId(json))
            try await tx.createGroup(group)
            try await record(.groupCreate, group, initiator, in: tx)
            try await groups.changeMembers(of: group, adding: try ids(members), by: initiator, in: tx)
            return try await self.group(group.id.text, in: tx)
        }
        return try await render(created, members: projection.includes("members"))
    }

    /// PUT: name, externalId and members as sent; the members that differ from the stored ones are
    /// inserted or deleted, in one transaction that holds the group.
    public func replace(
        id: String, _ json: JSONValue, ifMatch: String?, projection: SCIMProjection, by initiator: Initiator
    ) async throws -> JSONValue {
        try initiator.require(.change)
        let members = try SCIMGroupPatch.memberIds(json["members"] ?? .null)
        let saved = try await storage.transaction { tx in
            let group = try await lock(id, ifMatch: ifMatch, in: tx)
            if let sent = json["id"]?.text, sent != group.id.text {
                throw SCIMProtocolError.badRequest(.mutability, "id is \(group.id.text) and cannot be changed")
            }
            let name = try await displayName(json, of: group, in: tx)
            try await save(group, name: name, externalId: externalId(json), by: initiator, in: tx)
            try await groups.replaceMembers(of: group, with: try ids(members), by: initiator, in: tx)
            return try await self.group(id, in: tx)
        }
        return try await render(saved, members: projection.includes("members"))
    }

    /// PATCH: member operations insert or delete only the members they name (``SCIMGroupPatch``);
    /// any other operation is applied to the group as a whole and the difference written. Either
    /// way in one transaction that holds the group.
    public func patch(
        id: String, _ body: JSONValue, ifMatch: String?, projection: SCIMProjection, by initiator: Initiator
    ) async throws -> JSONValue {
        try initiator.require(.change)
        let patch = try SCIMPatch(json: body, core: SCIMSchema.group, extensions: [])
        let plan = try SCIMGroupPatch(patch)
        let saved = try await storage.transaction { tx in
            let group = try await lock(id, ifMatch: ifMatch, in: tx)
            if let plan {
                var name = group.name
                if let sent = plan.name { name = try await checkedName(sent, of: group, in: tx) }
                try await save(
                    group, name: name, externalId: plan.externalId ?? group.externalId, by: initiator, in: tx)
                if let replaced = plan.replaced {
                    try await groups.replaceMembers(of: group, with: try ids(replaced), by: initiator, in: tx)
                } else {
                    try await groups.changeMembers(
                        of: group, adding: try ids(plan.added), removing: plan.removed.compactMap(UUID.init(text:)),
                        by: initiator, in: tx)
                }
            } else {
                var json = try await render(group, members: true, in: tx)
                try patch.apply(to: &json, extensions: [])
                let name = try await displayName(json, of: group, in: tx)
                try await save(group, name: name, externalId: externalId(json), by: initiator, in: tx)
                let members = try ids(try SCIMGroupPatch.memberIds(json["members"] ?? .null))
                try await groups.replaceMembers(of: group, with: members, by: initiator, in: tx)
            }
            return try await self.group(id, in: tx)
        }
        return try await render(saved, members: projection.includes("members"))
    }

    /// Deletes the group; one bound to applications is refused, since deleting it would
    /// deprovision its members from them: an administrator unbinds it first.
    public func delete(id: String, ifMatch: String?, by initiator: Initiator) async throws {
        try initiator.require(.change)
        try await storage.transaction { tx in
            let group = try await lock(id, ifMatch: ifMatch, in: tx)
            let bound = try await tx.bindings(groupId: group.id)
            if !bound.isEmpty {
                var names: [String] = []
                for id in bound { if let app = try await tx.application(id: id) { names.append(app.name) } }
                throw SCIMProtocolError(
                    409, nil,
                    "the group is bound to \(names.joined(separator: ", ")); an administrator unbinds it before it "
                        + "is deleted"
                )
            }
            let members = try await tx.members(groupId: group.id)
            try await tx.deleteGroup(id: group.id)
            try await record(.groupDelete, group, initiator, in: tx)
            try await groups.provisioning.usersChanged(members, by: initiator, in: tx)
        }
    }

    public func list(_ query: SCIMListQuery, by initiator: Initiator) async throws -> SCIMList {
        try initiator.require(.read)
        var found: [JSONValue] = []
        // Members are read only when the answer shows them, or the filter or sort looks at them.
        let members =
            query.projection.includes("members") || query.sortBy?.name.lowercased() == "members"
            || query.filter.map { Self.names("members", in: $0) } == true
        for group in try await storage.groups().sorted(by: { ($0.created, $0.id.text) < ($1.created, $1.id.text) }) {
            let json = try await render(group, members: members)
            if query.filter?.matches(json, caseExact: Self.caseExact) ?? true { found.append(json) }
        }
        if let sortBy = query.sortBy { found = SCIMList.sorted(found, by: sortBy, descending: query.descending) }
        return SCIMList(all: found, query: query)
    }

    /// Whether the filter looks at the core attribute `name`.
    static func names(_ name: String, in filter: SCIMFilter) -> Bool {
        switch filter {
        case .present(let path), .compare(let path, _, _): path.schema == nil && path.name.lowercased() == name
        case .valuePath(let path, _): path.schema == nil && path.name.lowercased() == name
        case .and(let a, let b), .or(let a, let b): names(name, in: a) || names(name, in: b)
        case .not(let inner): names(name, in: inner)
        }
    }

    // MARK: -

    private func group(_ id: String, in store: any Storage) async throws -> UserGroup {
        guard let uuid = UUID(text: id), let group = try await store.group(id: uuid) else {
            throw SCIMProtocolError.notFound("there is no group \(id)")
        }
        return group
    }

    /// The group, locked for the transaction, if it still has the version `ifMatch` names.
    private func lock(_ id: String, ifMatch: String?, in tx: any Storage) async throws -> UserGroup {
        guard let uuid = UUID(text: id), let group = try await tx.lockGroup(id: uuid) else {
            throw SCIMProtocolError.notFound("there is no group \(id)")
        }
        try SCIMResources.checkVersion(ifMatch, group.version, "group")
        return group
    }

    /// The group as SCIM shows it; its members are read only when the answer includes them.
    private func render(_ group: UserGroup, members: Bool, in store: (any Storage)? = nil) async throws -> JSONValue {
        let ids = members ? try await (store ?? storage).scimMembers(groupId: group.id) : nil
        return SCIMResources.group(group, members: ids, base: base)
    }

    /// The group's name; a name that is another group's id is refused, since links would find
    /// that group by it.
    private func displayName(_ json: JSONValue, of group: UserGroup? = nil, in tx: any Storage) async throws -> String {
        guard case .object = json else {
            throw SCIMProtocolError.badRequest(.invalidSyntax, "the resource is not a JSON object")
        }
        guard let text = json["displayName"]?.text else {
            throw SCIMProtocolError.badRequest(.invalidValue, "displayName is required")
        }
        return try await checkedName(text, of: group, in: tx)
    }

    private func checkedName(_ text: String, of group: UserGroup?, in tx: any Storage) async throws -> String {
        let name: String
        do { name = try Naming.name(text, of: "a group", idLike: true) } catch let error as RosterError {
            throw SCIMProtocolError.badRequest(.invalidValue, error.description)
        }
        if let id = UUID(text: name), id != group?.id, try await tx.group(id: id) != nil {
            throw SCIMProtocolError.badRequest(.invalidValue, "\"\(name)\" is another group's id: choose another name")
        }
        return name
    }

    /// Member ids as sent, each a user's id: one that is not cannot be added.
    private func ids(_ values: [String]) throws -> [UUID] {
        try values.map { value in
            guard let id = UUID(text: value) else {
                throw SCIMProtocolError.badRequest(.invalidValue, "member \(value) is not a user of this directory")
            }
            return id
        }
    }

    private func externalId(_ json: JSONValue) -> String? {
        json["externalId"]?.text.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Refuses an externalId the directory cannot keep (too long for its index, a control character).
    private func check(externalId: String?) throws {
        if let externalId, let problem = UserMapping.identifierProblem(externalId) {
            throw SCIMProtocolError.badRequest(.invalidValue, "externalId \(problem)")
        }
    }

    /// Writes the name and externalId where they changed; a renamed group is pushed by its new name.
    private func save(
        _ group: UserGroup, name: String, externalId: String?, by initiator: Initiator, in tx: any Storage
    ) async throws {
        try check(externalId: externalId)
        if externalId != group.externalId { try await tx.setGroupExternalId(id: group.id, externalId: externalId) }
        guard name != group.name else { return }
        do { try await tx.renameGroup(id: group.id, name: name) } catch RosterError.conflict(let message) {
            throw SCIMProtocolError(409, .uniqueness, message)
        }
        var renamed = group
        renamed.name = name
        try await record(.groupRename, renamed, initiator, in: tx)
        // A bound group is pushed by name: the applications see the new one.
        try await groups.provisioning.groupChanged(group.id, members: [], in: tx)
    }

    private func record(_ type: InsightsEventType, _ group: UserGroup, _ initiator: Initiator, in tx: any Storage)
        async throws
    {
        try await tx.record(
            InsightsEvent(
                type: type, initiator: initiator, resource: .init(type: "group", id: group.id, name: group.name)))
    }
}
