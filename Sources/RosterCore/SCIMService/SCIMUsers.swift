import Foundation
import SCIM

/// Roster's SCIM service for users (RFC 7644 §3): an HR system or another identity provider
/// creates, reads, replaces, patches and deletes directory users. Every change goes through the
/// same rules as the directory's other doors: the mapping of import, uniqueness, password rules,
/// Insights events, provisioning onwards.
public struct SCIMUsers: SCIMResourceService {
    /// What DELETE does: `suspend` keeps the person in the directory, suspended, and the SCIM
    /// service answers 404 for it from then on (RFC 7644 §3.6 allows it); `delete` removes it.
    public enum DeleteAction: String, Sendable, CaseIterable { case suspend, delete }

    let storage: any Storage
    let hasher: any PasswordHasher
    let provisioning: ProvisioningScheduler
    /// `publicURL/scim/v2`.
    let base: String
    let deleteAction: DeleteAction
    /// How many users a filter without an indexed equality may read (tests lower it).
    var maxScanned = SCIMListQuery.maxScanned

    static let extensions = [SCIMSchema.enterpriseUser]

    /// RFC 7643 §2.2: `id` and `externalId` compare case-exactly; the rest not.
    static func caseExact(_ path: SCIMFilter.AttributePath) -> Bool {
        path.schema == nil && path.subAttribute == nil && ["id", "externalid"].contains(path.name.lowercased())
    }

    public func get(id: String, by initiator: Initiator) async throws -> JSONValue {
        try initiator.require(.read)
        return SCIMResources.user(try await visible(id), base: base)
    }

    public func create(_ json: JSONValue, by initiator: Initiator) async throws -> JSONValue {
        try initiator.require(.change)
        var user = DirectoryUser(email: "", username: "", source: .init(type: .api))
        try SCIMResources.read(json, into: &user, absentActive: .active)
        try await checkUnique(user)
        let password = try await passwordHash(json, for: user)
        do { try await storage.createUser(user) } catch RosterError.conflict {
            try await checkUnique(user)
            throw SCIMProtocolError(409, .uniqueness, "userName \(user.username) or email \(user.email) is taken")
        }
        if let password { try await storage.setPassword(userId: user.id, hash: password) }
        try await record(.userCreate, user, initiator)
        if user.state == .suspended { try await record(.userSuspend, user, initiator) }
        try await provisioning.usersChanged([user.id], by: initiator)
        return SCIMResources.user(try await visible(user.id.text), base: base)
    }

    /// PUT: the resource replaces every attribute the mapping holds; `active` absent keeps the state.
    public func replace(id: String, _ json: JSONValue, ifMatch: String?, by initiator: Initiator) async throws
        -> JSONValue
    {
        try initiator.require(.change)
        let current = try await visible(id)
        try checkVersion(ifMatch, current)
        if let sent = json["id"]?.text, sent != current.id.text {
            throw SCIMProtocolError.badRequest(.mutability, "id is \(current.id.text) and cannot be changed")
        }
        var user = current
        try SCIMResources.read(json, into: &user, absentActive: current.state)
        return try await save(user, was: current, password: try await passwordHash(json, for: user), by: initiator)
    }

    /// PATCH: the operations are applied to the user as SCIM shows it, then read back like a PUT;
    /// removing `active` leaves the user staged (neither active nor suspended).
    public func patch(id: String, _ body: JSONValue, ifMatch: String?, by initiator: Initiator) async throws
        -> JSONValue
    {
        try initiator.require(.change)
        let patch = try SCIMPatch(json: body, core: SCIMSchema.user, extensions: Self.extensions)
        let current = try await visible(id)
        try checkVersion(ifMatch, current)
        var json = SCIMResources.user(current, base: base)
        try patch.apply(to: &json, extensions: Self.extensions)
        var user = current
        try SCIMResources.read(json, into: &user, absentActive: .staged)
        // A password the operations set is in the patched resource; one removed is simply not set.
        let passwordHash = try await passwordHash(json, for: user)
        return try await save(user, was: current, password: passwordHash, by: initiator)
    }

    /// DELETE: the user is suspended first, so it leaves every application it was provisioned in;
    /// then it is hidden from the SCIM service (404 from then on, out of every list) or, with the
    /// `delete` action, removed from the directory (its groups are pushed without it).
    public func delete(id: String, ifMatch: String?, by initiator: Initiator) async throws {
        try initiator.require(.change)
        var user = try await visible(id)
        try checkVersion(ifMatch, user)
        user.state = .suspended
        user.scimDeleted = Date()
        try await storage.updateUser(user)
        try await provisioning.usersChanged([user.id], by: initiator)
        if deleteAction == .delete {
            let groups = try await storage.groups(memberId: user.id)
            // The pushes find the application accounts by their links, which outlive the user.
            try await storage.deleteUser(id: user.id)
            for group in groups { try await provisioning.groupChanged(group.id, members: []) }
        }
        try await record(.userDelete, user, initiator)
    }

    public func list(_ query: SCIMListQuery, by initiator: Initiator) async throws -> SCIMList {
        try initiator.require(.read)
        let finder = SCIMUserFinder(storage: storage, maxScanned: maxScanned)
        let render = { (user: DirectoryUser) in SCIMResources.user(user, base: self.base) }
        if query.filter == nil, query.sortBy == nil, let cursor = query.cursor, cursor.position == 0 {
            // By keyset: a deep page costs what the first does.
            var after: (created: Date, email: String)?
            if case .after(let created, let email) = cursor { after = (created, email) }
            let users = query.count == 0 ? [] : try await storage.scimUsers(after: after, limit: query.count + 1)
            let page = users.prefix(query.count)
            return SCIMList(
                total: try await storage.scimUserCount(), startIndex: 1,
                resources: page.map { query.projection.apply(render($0)) },
                nextCursor: users.count > query.count
                    ? page.last.map { SCIMCursor.after(created: $0.created, email: $0.email.lowercased()).token } : nil)
        }
        if query.filter == nil, query.sortBy == nil, query.cursor == nil {
            let total = try await storage.scimUserCount()
            let users =
                query.count == 0 ? [] : try await storage.scimUsers(offset: query.startIndex - 1, limit: query.count)
            return SCIMList(
                total: total, startIndex: query.startIndex, resources: users.map { query.projection.apply(render($0)) })
        }
        var matches = try await finder.matching(query.filter, render: render, caseExact: Self.caseExact)
        if let sortBy = query.sortBy { matches = SCIMList.sorted(matches, by: sortBy, descending: query.descending) }
        return SCIMList(all: matches, query: query)
    }

    // MARK: -

    private func visible(_ id: String) async throws -> DirectoryUser {
        guard let uuid = UUID(text: id), let user = try await storage.user(id: uuid), user.scimDeleted == nil else {
            throw SCIMProtocolError.notFound("there is no user \(id)")
        }
        return user
    }

    private func checkVersion(_ ifMatch: String?, _ user: DirectoryUser) throws {
        try SCIMResources.checkVersion(ifMatch, SCIMResources.user(user, base: base), "user")
    }

    private func checkUnique(_ user: DirectoryUser) async throws {
        let others = try await storage.usersMatching(keys: [user.email, user.username]).filter { $0.id != user.id }
        guard let other = others.first else { return }
        let hidden = other.scimDeleted != nil ? " (deleted through SCIM; the directory keeps it suspended)" : ""
        let what =
            [user.username, user.email].contains { $0.lowercased() == other.username.lowercased() }
            ? "userName \(other.username)" : "email \(other.email)"
        throw SCIMProtocolError(409, .uniqueness, "\(what) belongs to another user\(hidden)")
    }

    /// The hash of the resource's `password`, checked by the directory's password rules.
    private func passwordHash(_ json: JSONValue, for user: DirectoryUser) async throws -> String? {
        guard let text = json["password"]?.text, !text.isEmpty else { return nil }
        do { try PasswordRules.check(text, for: user) } catch let error as RosterError {
            throw SCIMProtocolError.badRequest(.invalidValue, error.description)
        }
        return try await hasher.hash(text)
    }

    private func save(_ user: DirectoryUser, was current: DirectoryUser, password: String?, by initiator: Initiator)
        async throws -> JSONValue
    {
        try await checkUnique(user)
        if user != current {
            do { try await storage.updateUser(user) } catch RosterError.conflict {
                // Taken between the check and the write: say by whom.
                try await checkUnique(user)
                throw SCIMProtocolError(409, .uniqueness, "userName \(user.username) or email \(user.email) is taken")
            }
            try await record(
                user.state == .suspended && current.state != .suspended ? .userSuspend : .userUpdate,
                user, initiator)
        }
        if let password {
            try await storage.setPassword(userId: user.id, hash: password)
            try await record(.userPasswordSet, user, initiator)
        }
        try await provisioning.usersChanged([user.id], by: initiator)
        return SCIMResources.user(try await visible(user.id.text), base: base)
    }

    private func record(_ type: InsightsEventType, _ user: DirectoryUser, _ initiator: Initiator) async throws {
        try await storage.record(
            InsightsEvent(
                type: type, initiator: initiator, resource: .init(type: "user", id: user.id, name: user.email)))
    }
}
