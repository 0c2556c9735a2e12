import Foundation

/// Administrators from creation to offboarding: roles, passwords, disabling, deletion, unlocking
/// and lost second factors. Every change is an Insights event, and every change that takes
/// something away ends the administrator's portal sessions at once.
public struct AdministratorService: Sendable {
    let storage: any Storage
    let hasher: any PasswordHasher

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
        try await storage.createAdministrator(admin)
        try await record(.adminCreate, admin, by: initiator)
        return admin
    }

    public func list(by initiator: Initiator) async throws -> [Administrator] {
        try initiator.require(.manageAdministrators)
        return try await storage.administrators()
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

    public func disable(email: String, by initiator: Initiator) async throws {
        var admin = try await find(email, by: initiator)
        try await keepAnActiveAdmin(besides: admin)
        admin.disabled = true
        try await storage.updateAdministrator(admin)
        try await storage.deleteSessions(administratorId: admin.id)
        try await record(.adminDisable, admin, by: initiator)
    }

    public func enable(email: String, by initiator: Initiator) async throws {
        var admin = try await find(email, by: initiator)
        admin.disabled = false
        try await storage.updateAdministrator(admin)
        try await record(.adminEnable, admin, by: initiator)
    }

    /// Deletes the administrator with their API keys; what they did stays in Insights.
    public func delete(email: String, by initiator: Initiator) async throws {
        let admin = try await find(email, by: initiator)
        try await keepAnActiveAdmin(besides: admin)
        try await storage.deleteAdministrator(id: admin.id)
        try await record(.adminDelete, admin, by: initiator)
    }

    /// The role as a form or a script spells it: checked after the caller, so a refusal is a refusal.
    public func setRole(email: String, roleNamed name: String, by initiator: Initiator) async throws {
        try initiator.require(.manageAdministrators)
        try await setRole(email: email, role: try Role.parse(name), by: initiator)
    }

    /// A new role takes effect at once: sessions end, and the administrator's keys act with the
    /// new role at most.
    public func setRole(email: String, role: Role, by initiator: Initiator) async throws {
        var admin = try await find(email, by: initiator)
        if role != .admin { try await keepAnActiveAdmin(besides: admin) }
        admin.role = role
        try await storage.updateAdministrator(admin)
        try await storage.deleteSessions(administratorId: admin.id)
        try await record(.adminSetRole, admin, detail: role.rawValue, by: initiator)
    }

    public func setPassword(email: String, password: String, by initiator: Initiator) async throws {
        var admin = try await find(email, by: initiator)
        try PasswordRules.check(password, email: admin.email, username: nil)
        admin.passwordHash = try await hasher.hash(password)
        try await storage.updateAdministrator(admin)
        try await storage.deleteSessions(administratorId: admin.id)
        try await storage.clearSignIn(key: SessionService.emailKey(admin.email))
        try await record(.adminSetPassword, admin, by: initiator)
    }

    /// Lifts a sign-in lock early (the administrator proved who they are another way).
    public func unlock(email: String, by initiator: Initiator) async throws {
        let admin = try await find(email, by: initiator)
        try await storage.clearSignIn(key: SessionService.emailKey(admin.email))
        try await record(.adminUnlock, admin, by: initiator)
    }

    /// Forgets a lost second factor: the administrator enrols again at the next sign-in.
    public func resetMFA(email: String, by initiator: Initiator) async throws {
        var admin = try await find(email, by: initiator)
        admin.mfaSecret = nil
        admin.mfaPendingSecret = nil
        try await storage.updateAdministrator(admin)
        try await storage.saveRecoveryCodes(administratorId: admin.id, hashes: [])
        try await storage.deleteSessions(administratorId: admin.id)
        try await record(.adminMFAReset, admin, by: initiator)
    }

    private func find(_ email: String, by initiator: Initiator) async throws -> Administrator {
        try initiator.require(.manageAdministrators)
        guard let admin = try await storage.administrator(email: email) else {
            throw RosterError.notFound("there is no administrator with email \(email)")
        }
        return admin
    }

    /// Someone must still be able to manage administrators after `admin` is gone.
    private func keepAnActiveAdmin(besides admin: Administrator) async throws {
        guard admin.role == .admin, !admin.disabled else { return }
        let others = try await storage.administrators().filter {
            $0.id != admin.id && $0.role == .admin && !$0.disabled
        }
        guard !others.isEmpty else {
            throw RosterError.conflict(
                "\(admin.email) is the last active administrator with the admin role: give another administrator the "
                    + "admin role first")
        }
    }

    func record(_ type: InsightsEventType, _ admin: Administrator, detail: String? = nil, by initiator: Initiator)
        async throws
    {
        let name = detail.map { "\(admin.email) (\($0))" } ?? admin.email
        try await storage.record(
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
