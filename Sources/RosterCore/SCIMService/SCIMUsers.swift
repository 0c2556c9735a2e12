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

    static let extensions = [SCIMSchema.enterpriseUser, SCIMResources.customSchema]

    /// RFC 7643 §2.2: `id` and `externalId` compare case-exactly; the rest not.
    static func caseExact(_ path: SCIMFilter.AttributePath) -> Bool {
        path.schema == nil && path.subAttribute == nil && ["id", "externalid"].contains(path.name.lowercased())
    }

    public func get(id: String, projection: SCIMProjection, by initiator: Initiator) async throws -> JSONValue {
        try initiator.require(.read)
        let user = try visible(try await storage.user(id: try Self.uuid(id)), id)
        return try await render(user, projection, in: storage)
    }

    /// One user as an answer shows it: with its groups when the answer includes them.
    private func render(_ user: DirectoryUser, _ projection: SCIMProjection, in store: any Storage) async throws
        -> JSONValue
    {
        let groups = projection.includes("groups") ? try await store.groups(memberId: user.id) : nil
        return SCIMResources.user(user, base: base, extras: .init(groups: groups))
    }

    /// POST: the user, its password, its Insights events and the provisioning it causes are one
    /// transaction (the password is hashed before it begins: bcrypt takes a quarter second).
    public func create(_ json: JSONValue, projection: SCIMProjection, by initiator: Initiator) async throws
        -> JSONValue
    {
        try initiator.require(.change)
        var user = DirectoryUser(email: "", username: "", source: .init(type: .api))
        let attributes = CustomAttributes(try await storage.customAttributes())
        try SCIMResources.read(json, into: &user, absentActive: .active, attributes: attributes)
        let password = try await passwordHash(json["password"]?.text, for: user)
        let created = try await storage.transaction { [user] tx in
            try await checkUnique(user, in: tx)
            do { try await tx.createUser(user) } catch RosterError.conflict {
                try await checkUnique(user, in: tx)
                throw SCIMProtocolError(409, .uniqueness, "userName \(user.username) or email \(user.email) is taken")
            }
            if let password { try await tx.setPassword(userId: user.id, hash: password.hash) }
            try await record(.userCreate, user, initiator, in: tx)
            if user.state == .suspended { try await record(.userSuspend, user, initiator, in: tx) }
            try await provisioning.usersChanged([user.id], by: initiator, in: tx)
            return try await render(try visible(try await tx.user(id: user.id), user.id.text), projection, in: tx)
        }
        return created
    }

    /// PUT: the resource replaces every attribute the mapping holds; `active` absent keeps the state.
    public func replace(
        id: String, _ json: JSONValue, ifMatch: String?, projection: SCIMProjection, by initiator: Initiator
    ) async throws -> JSONValue {
        try initiator.require(.change)
        let uuid = try Self.uuid(id)
        if let sent = json["id"]?.text, sent != uuid.text {
            throw SCIMProtocolError.badRequest(.mutability, "id is \(uuid.text) and cannot be changed")
        }
        let password = try await passwordHash(json["password"]?.text, for: nil)
        let attributes = CustomAttributes(try await storage.customAttributes())
        return try await change(uuid, ifMatch: ifMatch, password: password, projection: projection, by: initiator) {
            current in
            var user = current
            try SCIMResources.read(json, into: &user, absentActive: current.state, attributes: attributes)
            return user
        }
    }

    /// PATCH: the operations are applied to the user as SCIM shows it, then read back like a PUT;
    /// removing `active` leaves the user staged (neither active nor suspended).
    public func patch(
        id: String, _ body: JSONValue, ifMatch: String?, projection: SCIMProjection, by initiator: Initiator
    ) async throws -> JSONValue {
        try initiator.require(.change)
        let patch = try SCIMPatch(json: body, core: SCIMSchema.user, extensions: Self.extensions)
        let uuid = try Self.uuid(id)
        // A password the operations set is hashed before the transaction; one removed is simply not set.
        let password = try await passwordHash(patch.assigned("password")?.text, for: nil)
        let attributes = CustomAttributes(try await storage.customAttributes())
        return try await change(uuid, ifMatch: ifMatch, password: password, projection: projection, by: initiator) {
            current in
            var json = SCIMResources.user(current, base: base)
            // A user's groups are changed through the groups (RFC 7643 §4.1.2), never here.
            try patch.apply(to: &json, extensions: Self.extensions, readOnly: ["groups"])
            var user = current
            try SCIMResources.read(json, into: &user, absentActive: .staged, attributes: attributes, whole: true)
            return user
        }
    }

    /// DELETE: the user is suspended first, so it leaves every application it was provisioned in;
    /// then it is hidden from the SCIM service (404 from then on, out of every list) or, with the
    /// `delete` action, removed from the directory (its groups are pushed without it).
    public func delete(id: String, ifMatch: String?, by initiator: Initiator) async throws {
        try initiator.require(.change)
        let uuid = try Self.uuid(id)
        try await storage.transaction { tx in
            var user = try visible(try await tx.lockUser(id: uuid), id)
            try SCIMResources.checkVersion(ifMatch, user.version, "user")
            user.state = .suspended
            user.scimDeleted = Date()
            try await tx.updateUser(user)
            // Its groups no longer show it as a member: their ETags move with what they render.
            try await tx.touchGroups(memberId: user.id)
            try await provisioning.usersChanged([user.id], by: initiator, in: tx)
            if deleteAction == .delete {
                let groups = try await tx.groups(memberId: user.id)
                // The pushes find the application accounts by their links, which outlive the user.
                try await tx.deleteUser(id: user.id)
                for group in groups { try await provisioning.groupChanged(group.id, members: [], in: tx) }
            }
            try await record(.userDelete, user, initiator, in: tx)
        }
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
                // bounded: startIndex is 1 to SCIMCursor.maxPosition (SCIMListQuery)
                query.count == 0 ? [] : try await storage.scimUsers(offset: query.startIndex - 1, limit: query.count)
            return SCIMList(
                total: total, startIndex: query.startIndex, resources: users.map { query.projection.apply(render($0)) })
        }
        var matches = try await finder.matching(query.filter, render: render, caseExact: Self.caseExact)
        if let sortBy = query.sortBy { matches = SCIMList.sorted(matches, by: sortBy, descending: query.descending) }
        return SCIMList(all: matches, query: query)
    }

    // MARK: -

    static func uuid(_ id: String) throws -> UUID {
        guard let uuid = UUID(text: id) else { throw SCIMProtocolError.notFound("there is no user \(id)") }
        return uuid
    }

    /// The user, unless it is missing or deleted through SCIM.
    private func visible(_ user: DirectoryUser?, _ id: String) throws -> DirectoryUser {
        guard let user, user.scimDeleted == nil else { throw SCIMProtocolError.notFound("there is no user \(id)") }
        return user
    }

    /// A PUT or PATCH: the user read and locked, checked against `ifMatch`, changed by `edit`, then
    /// saved with its events and its provisioning, all in one transaction.
    private func change(
        _ id: UUID, ifMatch: String?, password: PendingPassword?, projection: SCIMProjection, by initiator: Initiator,
        edit: @escaping @Sendable (DirectoryUser) throws -> DirectoryUser
    ) async throws -> JSONValue {
        try await storage.transaction { tx in
            let current = try visible(try await tx.lockUser(id: id), id.text)
            try SCIMResources.checkVersion(ifMatch, current.version, "user")
            let user = try edit(current)
            if let password { try Self.checkPassword(password.text, for: user) }
            try await checkUnique(user, in: tx)
            if user != current {
                do { try await tx.updateUser(user) } catch RosterError.conflict {
                    try await checkUnique(user, in: tx)
                    throw SCIMProtocolError(
                        409, .uniqueness, "userName \(user.username) or email \(user.email) is taken")
                }
                try await record(
                    user.state == .suspended && current.state != .suspended ? .userSuspend : .userUpdate,
                    user, initiator, in: tx)
            }
            if let password {
                // A password set another way ends every activation or reset link still out, as the API's does.
                try await tx.setPassword(userId: user.id, hash: password.hash)
                try await tx.invalidateUserTokens(userId: user.id, now: Date())
                try await record(.userPasswordSet, user, initiator, in: tx)
            }
            try await provisioning.usersChanged([user.id], by: initiator, in: tx)
            return try await render(try visible(try await tx.user(id: id), id.text), projection, in: tx)
        }
    }

    private func checkUnique(_ user: DirectoryUser, in store: any Storage) async throws {
        let others = try await store.usersMatching(keys: [user.email, user.username]).filter { $0.id != user.id }
        guard let other = others.first else { return }
        let hidden = other.scimDeleted != nil ? " (deleted through SCIM; the directory keeps it suspended)" : ""
        let what =
            [user.username, user.email].contains { $0.lowercased() == other.username.lowercased() }
            ? "userName \(other.username)" : "email \(other.email)"
        throw SCIMProtocolError(409, .uniqueness, "\(what) belongs to another user\(hidden)")
    }

    /// A password a client sent and its hash. The hash is made before the transaction begins (bcrypt
    /// takes a quarter second); the password rules are checked once the user it belongs to is known.
    struct PendingPassword: Sendable {
        let text: String
        let hash: String
    }

    private func passwordHash(_ text: String?, for user: DirectoryUser?) async throws -> PendingPassword? {
        guard let text, !text.isEmpty else { return nil }
        if let user { try Self.checkPassword(text, for: user) }
        return PendingPassword(text: text, hash: try await hasher.hash(text))
    }

    /// The directory's password rules, as a SCIM error.
    static func checkPassword(_ text: String, for user: DirectoryUser) throws {
        do { try PasswordRules.check(text, for: user) } catch let error as RosterError {
            throw SCIMProtocolError.badRequest(.invalidValue, error.description)
        }
    }

    private func record(_ type: InsightsEventType, _ user: DirectoryUser, _ initiator: Initiator, in tx: any Storage)
        async throws
    {
        try await tx.record(
            InsightsEvent(
                type: type, initiator: initiator, resource: .init(type: "user", id: user.id, name: user.email)))
    }
}
