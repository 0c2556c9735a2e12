import Foundation

/// Administrators, API keys, and who a request comes from.
public struct AdministratorService: Sendable {
    let storage: any Storage
    let hasher: any PasswordHasher

    public static let minimumPasswordLength = 12

    /// Creates an administrator. The very first one may be created by the operator (`system`).
    public func create(email: String, role: Role, password: String, by initiator: Initiator) async throws
        -> Administrator
    {
        try initiator.require(.manageAdministrators)
        let email = email.trimmingCharacters(in: .whitespaces)
        guard UserMapping.isEmailAddress(email) else {
            throw RosterError.invalid("\"\(email)\" is not an email address")
        }
        guard password.count >= Self.minimumPasswordLength else {
            throw RosterError.invalid("the password must have at least \(Self.minimumPasswordLength) characters")
        }
        if try await storage.administrator(email: email) != nil {
            throw RosterError.conflict("an administrator with email \(email) already exists")
        }
        let admin = Administrator(email: email, role: role, passwordHash: hasher.hash(password))
        try await storage.createAdministrator(admin)
        try await storage.record(
            InsightsEvent(
                type: .adminCreate, initiator: initiator,
                resource: .init(type: "administrator", id: admin.id, name: email)))
        return admin
    }

    /// Creates an API key and returns it with its one-time plaintext.
    public func createAPIKey(name: String, role: Role, owner: String?, by initiator: Initiator) async throws -> (
        APIKey, String
    ) {
        try initiator.require(.manageAdministrators)
        let name = name.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty else { throw RosterError.invalid("an API key needs a name") }
        var ownerId: UUID?
        if let owner {
            guard let admin = try await storage.administrator(email: owner) else {
                throw RosterError.notFound("there is no administrator with email \(owner)")
            }
            ownerId = admin.id
        }
        let secret = Digest.randomToken(prefix: "rst_")
        let key = APIKey(name: name, role: role, hash: Digest.sha256(secret), administratorId: ownerId)
        try await storage.createAPIKey(key)
        try await storage.record(
            InsightsEvent(
                type: .apikeyCreate, initiator: initiator,
                resource: .init(type: "apikey", id: key.id, name: name)))
        return (key, secret)
    }

    /// Who an API key acts as: its owner's identity (for the audit trail and the import email)
    /// with the key's role.
    public func authenticate(apiKey secret: String, clientIp: String?, requestId: String? = nil) async throws
        -> Initiator
    {
        guard let key = try await storage.apiKey(hash: Digest.sha256(secret)) else {
            throw RosterError.unauthorized("the API key is not valid")
        }
        if let ownerId = key.administratorId, let owner = try await storage.administrator(id: ownerId) {
            return Initiator(
                type: .administrator, id: owner.id, email: owner.email, role: min(key.role, owner.role),
                clientIp: clientIp, requestId: requestId)
        }
        return Initiator(
            type: .apikey, id: key.id, email: nil, role: key.role, clientIp: clientIp, requestId: requestId)
    }

    /// The administrator named by email, acting with their own role (the `--as` of the CLI).
    public func actingAs(email: String) async throws -> Initiator {
        guard let admin = try await storage.administrator(email: email) else {
            throw RosterError.notFound(
                "there is no administrator with email \(email): create one with roster admin create")
        }
        return .administrator(admin)
    }

    public func apiKeys(by initiator: Initiator) async throws -> [APIKey] {
        try initiator.require(.manageAdministrators)
        return try await storage.apiKeys()
    }

    public func list(by initiator: Initiator) async throws -> [Administrator] {
        try initiator.require(.manageAdministrators)
        return try await storage.administrators()
    }

    /// Whether anyone can sign in yet (`roster serve` says how to create the first administrator).
    public func exist() async throws -> Bool {
        try await !storage.administrators().isEmpty
    }
}

extension Role: Comparable {
    /// readonly < manager < admin: a key never grants more than its owner has.
    public static func < (lhs: Role, rhs: Role) -> Bool {
        let order: [Role] = [.readonly, .manager, .admin]
        return order.firstIndex(of: lhs)! < order.firstIndex(of: rhs)!
    }
}
