import Foundation

/// Administrators from creation to offboarding: roles, passwords, disabling, deletion, unlocking
/// and lost second factors. Every change is an Insights event, and every change that takes
/// something away ends the administrator's portal sessions at once.
public struct AdministratorService: Sendable {
    let storage: any Storage
    let hasher: any PasswordHasher
    /// Schedules run as their owner is now: disabling, deleting or demoting an owner stops them.
    let schedules: ImportSchedules

    /// Creates an administrator. The very first one is created by the operator (`system`).
    public func create(email: String, role: Role, password: String, by initiator: Initiator) async throws
        -> Administrator
    {
        try initiator.require(.manageAdministrators)
        let email = email.trimmingCharacters(in: .whitespaces)
        guard UserMapping.isEmailAddress(email) else {
            throw RosterError.invalid("\"\(email)\" is not an email address")
        }
        // The same rules as users' passwords: an administrator holds more keys, not fewer.
        try PasswordRules.check(password, email: email, username: nil)
        if try await storage.administrator(email: email) != nil {
            throw RosterError.conflict("an administrator with email \(email) already exists")
        }
        let admin = Administrator(email: email, role: role, passwordHash: try await hasher.hash(password))
        try await storage.transaction { tx in
            try await tx.createAdministrator(admin)
            try await record(.adminCreate, admin, by: initiator, in: tx)
        }
        return admin
    }

    public func list(by initiator: Initiator) async throws -> [Administrator] {
        try initiator.require(.manageAdministrators)
        return try await storage.administrators()
    }

    /// The applications whose scheduled imports each administrator owns, by administrator: shown
    /// where a disable, a delete or a demotion would stop them, to set them with another owner first.
    public func schedulesOwned(by initiator: Initiator) async throws -> [UUID: [String]] {
        try initiator.require(.manageAdministrators)
        var owned: [UUID: [String]] = [:]
        for schedule in try await storage.schedules() {
            guard let application = try await storage.application(id: schedule.applicationId) else { continue }
            owned[schedule.ownerId, default: []].append(application.name)
        }
        return owned.mapValues { $0.sorted() }
    }

    /// Whether anyone can sign in yet (`roster serve` says how to create the first administrator).
    public func exist() async throws -> Bool {
        try await !storage.administrators().isEmpty
    }

    /// The administrator named by email, acting with their own role (the `--as` of the CLI).
    public func actingAs(email: String) async throws -> Initiator {
        guard let admin = try await storage.administrator(email: email) else {
            throw RosterError.notFound(
                "there is no administrator with email \(email): create one with roster admin create")
        }
        guard !admin.disabled else { throw RosterError.forbidden("the administrator \(admin.email) is disabled") }
        return .administrator(admin)
    }

    /// Disables the administrator; answers the applications whose scheduled imports stopped with it.
    @discardableResult
    public func disable(email: String, by initiator: Initiator) async throws -> [String] {
        try await change(email, by: initiator) { admin, tx in
            try await keepAnActiveAdmin(besides: admin, in: tx)
            admin.disabled = true
            try await tx.updateAdministrator(admin)
            try await tx.deleteSessions(administratorId: admin.id)
            try await record(.adminDisable, admin, by: initiator, in: tx)
            return try await schedules.stopSchedules(of: admin, why: "its owner \(admin.email) is disabled", in: tx)
        }
    }

    public func enable(email: String, by initiator: Initiator) async throws {
        try await change(email, by: initiator) { admin, tx in
            admin.disabled = false
            try await tx.updateAdministrator(admin)
            try await record(.adminEnable, admin, by: initiator, in: tx)
            return []
        }
    }

    /// Deletes the administrator with their API keys; what they did stays in Insights. Answers the
    /// applications whose scheduled imports stopped with them.
    @discardableResult
    public func delete(email: String, by initiator: Initiator) async throws -> [String] {
        try await change(email, by: initiator) { admin, tx in
            try await keepAnActiveAdmin(besides: admin, in: tx)
            let stopped = try await schedules.stopSchedules(
                of: admin, why: "its owner \(admin.email) was deleted", in: tx)
            try await tx.deleteAdministrator(id: admin.id)
            try await record(.adminDelete, admin, by: initiator, in: tx)
            return stopped
        }
    }

    /// The role as a form or a script spells it: checked after the caller, so a refusal is a refusal.
    @discardableResult
    public func setRole(email: String, roleNamed name: String, by initiator: Initiator) async throws -> [String] {
        try initiator.require(.manageAdministrators)
        return try await setRole(email: email, role: try Role.parse(name), by: initiator)
    }

    /// A new role takes effect at once: sessions end, and the administrator's keys act with the
    /// new role at most. A readonly role stops their scheduled imports: answers those applications.
    @discardableResult
    public func setRole(email: String, role: Role, by initiator: Initiator) async throws -> [String] {
        try await change(email, by: initiator) { admin, tx in
            if role != .admin { try await keepAnActiveAdmin(besides: admin, in: tx) }
            admin.role = role
            try await tx.updateAdministrator(admin)
            try await tx.deleteSessions(administratorId: admin.id)
            try await record(.adminSetRole, admin, detail: role.rawValue, by: initiator, in: tx)
            guard !role.allows(.change) else { return [] }
            return try await schedules.stopSchedules(
                of: admin, why: "its owner \(admin.email) is \(role.rawValue) now", in: tx)
        }
    }

    public func setPassword(email: String, password: String, by initiator: Initiator) async throws {
        let found = try await find(email, by: initiator)
        try PasswordRules.check(password, email: found.email, username: nil)
        let hash = try await hasher.hash(password)
        try await change(email, by: initiator) { admin, tx in
            admin.passwordHash = hash
            try await tx.updateAdministrator(admin)
            try await tx.deleteSessions(administratorId: admin.id)
            try await tx.clearSignIn(key: SessionService.emailKey(admin.email))
            try await record(.adminSetPassword, admin, by: initiator, in: tx)
            return []
        }
    }

    /// Lifts a sign-in lock early (the administrator proved who they are another way).
    public func unlock(email: String, by initiator: Initiator) async throws {
        try await change(email, by: initiator) { admin, tx in
            try await tx.clearSignIn(key: SessionService.emailKey(admin.email))
            try await tx.clearSignIn(key: SessionService.secondFactorKey(admin.email))
            try await record(.adminUnlock, admin, by: initiator, in: tx)
            return []
        }
    }

    /// Forgets a lost second factor: the administrator enrols again at the next sign-in.
    public func resetMFA(email: String, by initiator: Initiator) async throws {
        try await change(email, by: initiator) { admin, tx in
            admin.mfaSecret = nil
            admin.mfaPendingSecret = nil
            try await tx.updateAdministrator(admin)
            try await tx.saveRecoveryCodes(administratorId: admin.id, hashes: [])
            try await tx.deleteSessions(administratorId: admin.id)
            try await record(.adminMFAReset, admin, by: initiator, in: tx)
            return []
        }
    }

    private func find(_ email: String, by initiator: Initiator) async throws -> Administrator {
        try initiator.require(.manageAdministrators)
        guard let admin = try await storage.administrator(email: email) else {
            throw RosterError.notFound("there is no administrator with email \(email)")
        }
        return admin
    }

    /// The administrator read and locked, changed by `edit` with its sessions and its event, in one
    /// transaction: a change made meanwhile by someone else is never written over.
    @discardableResult
    private func change(
        _ email: String, by initiator: Initiator,
        edit: @escaping @Sendable (inout Administrator, any Storage) async throws -> [String]
    ) async throws -> [String] {
        try initiator.require(.manageAdministrators)
        return try await storage.transaction { tx in
            guard var admin = try await tx.lockAdministrator(email: email) else {
                throw RosterError.notFound("there is no administrator with email \(email)")
            }
            return try await edit(&admin, tx)
        }
    }

    /// Someone must still be able to manage administrators after `admin` is gone. Every administrator
    /// is locked for the transaction: two administrators disabled at once cannot both pass.
    private func keepAnActiveAdmin(besides admin: Administrator, in tx: any Storage) async throws {
        guard admin.role == .admin, !admin.disabled else { return }
        let others = try await tx.lockAdministrators().filter {
            $0.id != admin.id && $0.role == .admin && !$0.disabled
        }
        guard !others.isEmpty else {
            throw RosterError.conflict(
                "\(admin.email) is the last active administrator with the admin role: give another administrator the "
                    + "admin role first")
        }
    }

    func record(
        _ type: InsightsEventType, _ admin: Administrator, detail: String? = nil, by initiator: Initiator,
        in tx: any Storage
    ) async throws {
        let name = detail.map { "\(admin.email) (\($0))" } ?? admin.email
        try await tx.record(
            InsightsEvent(
                type: type, initiator: initiator, resource: .init(type: "administrator", id: admin.id, name: name)))
    }
}

extension Role: Comparable {
    /// readonly < manager < admin: a key never grants more than its owner has.
    public static func < (lhs: Role, rhs: Role) -> Bool {
        let order: [Role] = [.readonly, .manager, .admin]
        return order.firstIndex(of: lhs)! < order.firstIndex(of: rhs)!
    }
}
