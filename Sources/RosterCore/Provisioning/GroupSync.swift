import Foundation
import SCIM

/// Brings one bound group in one application in line with the directory: the group exists
/// there, with the members Roster provisioned.
struct GroupSync: Sendable {
    let storage: any Storage
    let access: IntegrationAccess
    let log: ProvisioningLog

    func reconcile(_ push: inout Push, connection: IntegrationAccess.Connection) async throws {
        let application = connection.application
        let groupId = push.targetId
        guard let group = try await storage.group(id: groupId) else { return }
        push.targetName = group.name
        guard try await storage.bindings(groupId: groupId).contains(application.id) else { return }
        let memberIds = try await storage.members(groupId: groupId)
        let wanted = Set(
            try await storage.provisionedRemoteIds(applicationId: application.id, userIds: memberIds).values)
        if try await storage.provisionedGroup(applicationId: application.id, groupId: groupId) == nil,
            let existing = try await findRemoteGroup(named: group.name, connection: connection)
        {
            try await adopt(existing, wanted: wanted, push: &push)
        }
        guard var pushed = try await storage.provisionedGroup(applicationId: application.id, groupId: groupId) else {
            return try await create(group, members: wanted, push: &push, connection: connection)
        }
        push.remoteId = pushed.remoteId
        let client = connection.client
        let add = wanted.subtracting(pushed.members).sorted()
        // Members the group had before Roster adopted it stay until an administrator confirms.
        let remove = pushed.members.subtracting(wanted).subtracting(pushed.unconfirmed).sorted()
        if !add.isEmpty {
            push.operation = .addMembers
            try await access.ensureActive(application)
            let members = JSONValue.array(add.map { .object(["value": .string($0)]) })
            try await client.patchGroup(
                id: pushed.remoteId, PatchRequest([.init(.add, path: "members", value: members)]))
            pushed.members.formUnion(add)
            try await storage.saveProvisionedGroup(pushed)
            try await log.record(push, outcome: .succeeded, detail: "added \(add.count) members")
        }
        if !remove.isEmpty {
            push.operation = .removeMembers
            let filter = remove.map { "value eq \(SCIMFilter.quote($0))" }.joined(separator: " or ")
            try await access.ensureActive(application)
            try await client.patchGroup(id: pushed.remoteId, PatchRequest([.init(.remove, path: "members[\(filter)]")]))
            pushed.members.subtract(remove)
            try await storage.saveProvisionedGroup(pushed)
            try await log.record(push, outcome: .succeeded, detail: "removed \(remove.count) members")
        }
    }

    /// Never two groups: one of the same name in the application becomes this group. Its members
    /// that Roster did not put there are kept, their removal held until an administrator confirms,
    /// unless the binding is authoritative.
    private func adopt(_ existing: SCIMGroup, wanted: Set<String>, push: inout Push) async throws {
        let application = push.application
        let present = Set(existing.members.map(\.value))
        let authoritative = try await storage.isAuthoritative(groupId: push.targetId, applicationId: application.id)
        let foreign = authoritative ? [] : present.subtracting(wanted)
        push.operation = .link
        push.remoteId = existing.id
        try await storage.saveProvisionedGroup(
            ProvisionedGroup(
                applicationId: application.id, groupId: push.targetId, remoteId: existing.id ?? "",
                members: present, unconfirmed: foreign))
        try await log.record(push, outcome: .succeeded, detail: "linked to the existing group \(existing.id ?? "")")
        guard !foreign.isEmpty else { return }
        var held = push
        held.operation = .removeMembers
        try await log.record(
            held, outcome: .held,
            detail:
                "kept \(foreign.count) members Roster did not add; removing them waits until an administrator confirms "
                + "(roster provision confirm \(application.name))")
    }

    /// What binding `group` would do to the application's group of the same name.
    func preview(_ group: UserGroup, authoritative: Bool, connection: IntegrationAccess.Connection) async throws
        -> BindingPreview
    {
        let memberIds = try await storage.members(groupId: group.id)
        let provisioned = Set(
            try await storage.provisionedRemoteIds(
                applicationId: connection.application.id,
                userIds: memberIds
            ).values)
        let existing = try await findRemoteGroup(named: group.name, connection: connection)
        let present = Set(existing?.members.map(\.value) ?? [])
        return BindingPreview(
            application: connection.application.name, group: group.name, existingGroupId: existing?.id,
            existingMembers: present.count, membersToAdd: memberIds.count - provisioned.intersection(present).count,
            notAddedByRoster: present.subtracting(provisioned).sorted(), authoritative: authoritative)
    }

    private func create(
        _ group: UserGroup, members: Set<String>, push: inout Push,
        connection: IntegrationAccess.Connection
    ) async throws {
        let application = connection.application
        push.operation = .create
        try await access.ensureActive(application)
        let created = try await connection.client.createGroup(
            SCIMGroup(
                externalId: group.id.text, displayName: group.name, members: members.sorted().map { .init(value: $0) }))
        guard let remoteId = created.id else {
            throw RosterError.serviceProvider("the application created the group but sent back no id")
        }
        push.remoteId = remoteId
        try await storage.saveProvisionedGroup(
            ProvisionedGroup(
                applicationId: application.id, groupId: group.id,
                remoteId: remoteId, members: members))
        try await log.record(push, outcome: .succeeded, detail: "POST /Groups with \(members.count) members")
    }

    /// The application's group with this displayName, if there is one.
    private func findRemoteGroup(named name: String, connection: IntegrationAccess.Connection) async throws
        -> SCIMGroup?
    {
        let filtered = connection.provider.filterSupported
        let query = UserQuery(
            filter: filtered ? "displayName eq \(SCIMFilter.quote(name))" : nil, pageSize: filtered ? 10 : 200)
        for try await page in connection.client.pages("/Groups", query, config: connection.provider) {
            if let match = page.map(SCIMGroup.init(json:)).first(where: { $0.displayName == name && $0.id != nil }) {
                return match
            }
        }
        return nil
    }
}
