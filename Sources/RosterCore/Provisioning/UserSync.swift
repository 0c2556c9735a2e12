import Foundation
import SCIM

/// Brings one user in one application in line with the directory: create or link it, push
/// what changed, or deprovision it.
struct UserSync: Sendable {
    let storage: any Storage
    let access: IntegrationAccess
    let queue: ProvisioningQueue
    let log: ProvisioningLog
    let index: RemoteUserIndex

    func reconcile(_ push: inout Push, connection: IntegrationAccess.Connection) async throws {
        let application = connection.application
        let userId = push.targetId
        let user = try await storage.user(id: userId)
        push.targetName = user?.email
        var wanted = false
        if let user, user.state == .active {
            wanted = try await storage.isManaged(userId: userId, applicationId: application.id)
        }
        let link = try await storage.provisionedUser(applicationId: application.id, userId: userId)
        push.remoteId = link?.remoteId
        if let user, wanted {
            if let link {
                try await update(user, remoteId: link.remoteId, push: &push, connection: connection)
            } else if let existing = try await findRemote(user, connection: connection) {
                // Never two accounts: an application user with the same userName or email is this user.
                push.remoteId = existing
                push.operation = .link
                try await storage.saveProvisionedUser(
                    ProvisionedUser(
                        applicationId: application.id, userId: userId,
                        remoteId: existing, active: true))
                try await log.record(push, outcome: .succeeded, detail: "linked to the existing user \(existing)")
                try await scheduleGroups(of: userId, in: application.id)
                try await update(user, remoteId: existing, push: &push, connection: connection)
            } else {
                try await create(user, push: &push, connection: connection)
            }
        } else if let link, link.active {
            try await deprovision(user, link: link, push: &push, connection: connection)
        }
    }

    private func create(_ user: DirectoryUser, push: inout Push, connection: IntegrationAccess.Connection) async throws
    {
        let application = connection.application
        push.operation = .create
        try await access.ensureActive(application)
        let created: SCIMUser
        do {
            created = try await connection.client.createUser(try await desired(user, active: true, connection))
        } catch let error as SCIMClientError where error.kind == .conflict {
            // Taken since the application's users were read: the account exists, so link it.
            guard let existing = try await lookUp(user, connection: connection) else { throw error }
            push.remoteId = existing
            push.operation = .link
            try await storage.saveProvisionedUser(
                ProvisionedUser(applicationId: application.id, userId: user.id, remoteId: existing, active: true))
            try await log.record(push, outcome: .succeeded, detail: "linked to the existing user \(existing)")
            try await scheduleGroups(of: user.id, in: application.id)
            return try await update(user, remoteId: existing, push: &push, connection: connection)
        }
        guard let remoteId = created.id else {
            throw RosterError.serviceProvider("the application created the user but sent back no id")
        }
        await index.remember(
            userName: user.username, email: user.email, remoteId: remoteId, applicationId: application.id)
        push.remoteId = remoteId
        try await storage.saveProvisionedUser(
            ProvisionedUser(
                applicationId: application.id, userId: user.id,
                remoteId: remoteId, active: true))
        try await log.record(push, outcome: .succeeded, detail: "POST /Users")
        try await scheduleGroups(of: user.id, in: application.id)
    }

    private func update(
        _ user: DirectoryUser, remoteId: String, push: inout Push,
        connection: IntegrationAccess.Connection
    ) async throws {
        push.operation = .update
        let summary = try await send(user, active: true, to: remoteId, connection: connection)
        try await storage.saveProvisionedUser(
            ProvisionedUser(
                applicationId: connection.application.id, userId: user.id,
                remoteId: remoteId, active: true))
        try await log.record(push, outcome: .succeeded, detail: summary)
    }

    private func deprovision(
        _ user: DirectoryUser?, link: ProvisionedUser, push: inout Push,
        connection: IntegrationAccess.Connection
    ) async throws {
        let application = connection.application
        let client = connection.client
        if try await storage.deprovisionAction(applicationId: application.id) == .delete {
            push.operation = .delete
            do {
                try await access.ensureActive(application)
                try await client.deleteUser(id: link.remoteId)
            } catch let error as SCIMClientError where error.kind == .notFound {
                // Already gone: what deletion wanted.
            }
            try await storage.deleteProvisionedUser(applicationId: application.id, userId: link.userId)
            try await log.record(push, outcome: .succeeded, detail: "DELETE /Users/\(link.remoteId)")
        } else {
            push.operation = .deactivate
            if connection.provider.patchSupported {
                try await access.ensureActive(application)
                try await client.patchUser(
                    id: link.remoteId, PatchRequest([.init(.replace, path: "active", value: .bool(false))]))
            } else if let user {
                _ = try await send(user, active: false, to: link.remoteId, connection: connection)
            }
            var inactive = link
            inactive.active = false
            try await storage.saveProvisionedUser(inactive)
            try await log.record(push, outcome: .succeeded, detail: "active: false")
        }
        try await scheduleGroups(of: link.userId, in: application.id)
    }

    /// The user as the application should hold it: the standard mapping, and the application's
    /// outbound rules written at their paths. With `current` (an update), what a rule writes only on
    /// create stays as the application holds it.
    private func desired(
        _ user: DirectoryUser, active: Bool, _ connection: IntegrationAccess.Connection, current: JSONValue? = nil
    ) async throws -> SCIMUser {
        let standard = UserMapping.scimUser(user, active: active)
        guard let mapping = try await storage.currentMapping(of: connection.application.id), !mapping.rules.isEmpty
        else { return standard }
        return SCIMUser(json: try mapping.written(into: standard.json, for: user, current: current))
    }

    /// Sends what changed: PATCH with only the differences (the outbound rules' paths included) when
    /// the provider supports it, else PUT of the whole user; `If-Match` with the version when it supports
    /// ETags. The application's user is read first unless a blind PUT loses nothing (no ETags, and no
    /// rule that writes only on create, whose value the PUT must carry over).
    private func send(
        _ user: DirectoryUser, active: Bool, to remoteId: String, connection: IntegrationAccess.Connection
    ) async throws -> String {
        let (provider, client, application) = (connection.provider, connection.client, connection.application)
        let mapping = try await storage.currentMapping(of: application.id)
        let keepsValues = mapping?.keepsApplicationValues ?? false
        guard provider.patchSupported || provider.etagSupported || keepsValues else {
            let desired = try await desired(user, active: active, connection)
            try await access.ensureActive(application)
            _ = try await client.replaceUser(id: remoteId, with: desired)
            return "PUT /Users/\(remoteId)"
        }
        let (current, version) = try await client.userWithVersion(id: remoteId)
        let desired = try await desired(user, active: active, connection, current: current.raw)
        let etag = provider.etagSupported ? version : nil
        let ifMatch = etag.map { " If-Match \($0)" } ?? ""
        guard provider.patchSupported else {
            try await access.ensureActive(application)
            _ = try await client.replaceUser(id: remoteId, with: desired, etag: etag)
            return "PUT /Users/\(remoteId)" + ifMatch
        }
        var operations = UserPatch.operations(from: current.raw, to: desired.json)
        if let mapping {
            let covered = Set(operations.compactMap(\.path))
            operations += try mapping.changes(from: current.raw, for: user).filter { !covered.contains($0.path ?? "") }
        }
        guard !operations.isEmpty else { return "already up to date" }
        try await access.ensureActive(application)
        try await client.patchUser(id: remoteId, PatchRequest(operations), etag: etag)
        return "PATCH /Users/\(remoteId): "
            + operations.map { "\($0.op.rawValue) \($0.path ?? "")" }.joined(separator: ", ")
            + ifMatch
    }

    /// A user appeared in or left the application: its bound groups' members change with it
    /// (unless the integration was deactivated meanwhile: then nothing more is queued for it).
    private func scheduleGroups(of userId: UUID, in applicationId: UUID) async throws {
        guard try await access.isActive(applicationId) else { return }
        for groupId in try await storage.boundGroups(applicationId: applicationId) {
            let isMember = try await !storage.members(groupId: groupId, among: [userId]).isEmpty
            let wasPushed = try await storage.provisionedGroup(applicationId: applicationId, groupId: groupId) != nil
            if isMember || wasPushed { try await queue.group(groupId, in: applicationId) }
        }
    }

    /// The id of the application's user with the same userName or email, if there is one: from
    /// the application's users read once when many pushes are waiting, else by a lookup.
    private func findRemote(_ user: DirectoryUser, connection: IntegrationAccess.Connection) async throws -> String? {
        let waiting = try await storage.pendingCount(kind: .provisionUser, applicationId: connection.application.id)
        if waiting >= RemoteUserIndex.worthReadingFrom {
            return try await index.find(userName: user.username, email: user.email, connection: connection)
        }
        return try await lookUp(user, connection: connection)
    }

    /// The id of the application's user with the same userName or email, asked of the application.
    private func lookUp(_ user: DirectoryUser, connection: IntegrationAccess.Connection) async throws -> String? {
        let text = "userName eq \(SCIMFilter.quote(user.username)) or emails.value eq \(SCIMFilter.quote(user.email))"
        let filter = try SCIMFilter(parsing: text)
        let filtered = connection.provider.filterSupported
        let query = UserQuery(filter: filtered ? text : nil, pageSize: filtered ? 10 : 200)
        for try await page in connection.client.userPages(query, config: connection.provider) {
            if let match = page.first(where: { filter.matches($0.raw) }), let id = match.id { return id }
        }
        return nil
    }
}
