import Foundation
import Synchronization

/// API keys: created for an administrator, with an optional expiry, listed with when each was last
/// used, revoked at once. A key acts for its administrator with at most their current role; a key
/// whose administrator is disabled or gone, or that expired or was revoked, fails closed.
public struct APIKeyService: Sendable {
    let storage: any Storage
    let failures = FailureReports()

    /// The longest a key may work: a key that never expires is asked for by leaving the lifetime out.
    public static let maximumLifetime: TimeInterval = 3650 * 86400

    /// Creates a key and returns it with its one-time plaintext. Readonly unless asked otherwise:
    /// a key is copied into scripts and CI settings, so it gets the least it needs.
    public func create(
        name: String, role: Role = .readonly, owner: String?, expiresIn: TimeInterval? = nil,
        by initiator: Initiator
    )
        async throws -> (APIKey, String)
    {
        try initiator.require(.manageAdministrators)
        let name = try Naming.name(name, of: "an API key")
        if let expiresIn, !(expiresIn > 0 && expiresIn <= Self.maximumLifetime) {
            throw RosterError.invalid("an API key works for 1 second to 3650 days, or without an expiry")
        }
        var ownerId: UUID?
        if let owner {
            guard let admin = try await storage.administrator(email: owner) else {
                throw RosterError.notFound("there is no administrator with email \(owner)")
            }
            guard role <= admin.role else {
                throw RosterError.forbidden(
                    "a key cannot have more than its administrator's role (\(admin.role.rawValue))")
            }
            ownerId = admin.id
        }
        let secret = Digest.randomToken(prefix: "rst_")
        // A key made with a key is that key's child: revoking the parent revokes it too.
        let parent = initiator.apiKeyId ?? (initiator.type == .apikey ? initiator.id : nil)
        let key = APIKey(
            name: name, role: role, hash: Digest.sha256(secret), administratorId: ownerId,
            expires: expiresIn.map { Date().addingTimeInterval($0) }, parentId: parent)
        try await storage.transaction { tx in
            try await tx.createAPIKey(key)
            try await tx.record(
                InsightsEvent(
                    type: .apikeyCreate, initiator: initiator, resource: .init(type: "apikey", id: key.id, name: name)))
        }
        return (key, secret)
    }

    public func list(by initiator: Initiator, now: Date = Date()) async throws -> [APIKeyListing] {
        try initiator.require(.manageAdministrators)
        let emails = Dictionary(
            try await storage.administrators().map { ($0.id, $0.email) }, uniquingKeysWith: { a, _ in a })
        return try await storage.apiKeys().map {
            APIKeyListing(
                key: $0, status: $0.status(now: now), administrator: $0.administratorId.flatMap { emails[$0] })
        }
    }

    public func revoke(id: UUID, by initiator: Initiator) async throws {
        try initiator.require(.manageAdministrators)
        guard let key = try await storage.apiKey(id: id) else {
            throw RosterError.notFound("there is no API key \(id.text)")
        }
        guard key.revoked == nil else { return }
        try await storage.transaction { tx in
            let count = try await tx.revokeAPIKey(id: id, at: Date())
            let made = count > 1 ? " and \(count - 1) keys made with it" : ""
            try await tx.record(
                InsightsEvent(
                    type: .apikeyRevoke, initiator: initiator,
                    resource: .init(type: "apikey", id: key.id, name: key.name + made)))
        }
    }

    /// Who a key acts as: its administrator's identity (for the audit trail and the import email)
    /// with the key's role, never more than the administrator's own.
    public func authenticate(apiKey secret: String, clientIp: String?, requestId: String? = nil, now: Date = Date())
        async throws -> Initiator
    {
        guard let key = try await storage.apiKey(hash: Digest.sha256(secret)) else {
            try await refused("the API key is not valid", key: nil, clientIp: clientIp, requestId: requestId, now: now)
        }
        if let refusal = key.refusal(now: now) {
            try await refused(refusal, key: key, clientIp: clientIp, requestId: requestId, now: now)
        }
        var initiator = Initiator(
            type: .apikey, id: key.id, email: nil, role: key.role, clientIp: clientIp, requestId: requestId)
        if let ownerId = key.administratorId {
            guard let owner = try await storage.administrator(id: ownerId), !owner.disabled else {
                try await refused(
                    "the API key's administrator is disabled or gone", key: key, clientIp: clientIp,
                    requestId: requestId, now: now)
            }
            initiator = Initiator(
                type: .administrator, id: owner.id, email: owner.email, role: min(key.role, owner.role),
                clientIp: clientIp, requestId: requestId)
            initiator.apiKeyId = key.id
        }
        initiator.apiKeyName = key.name
        // Written now and then, not on every request.
        if key.lastUsed.map({ now.timeIntervalSince($0) > 60 }) ?? true {
            try await storage.touchAPIKey(id: key.id, at: now)
        }
        return initiator
    }

    /// Refuses the request; records it in Insights at most once a minute per client address, so a
    /// flood of bad keys cannot flood the audit trail.
    private func refused(_ reason: String, key: APIKey?, clientIp: String?, requestId: String?, now: Date) async throws
        -> Never
    {
        if failures.shouldReport(clientIp ?? "unknown", now: now) {
            try await storage.record(
                InsightsEvent(
                    type: .apikeyAuthFailure,
                    initiator: Initiator(
                        type: .apikey, id: key?.id, email: nil, role: .readonly, clientIp: clientIp,
                        requestId: requestId),
                    resource: .init(type: "apikey", id: key?.id, name: key?.name ?? reason), success: false))
        }
        throw RosterError.unauthorized(reason)
    }
}

/// When each client address last had a failure recorded.
final class FailureReports: Sendable {
    private let last = Mutex<[String: Date]>([:])

    func shouldReport(_ address: String, now: Date) -> Bool {
        last.withLock { last in
            if let previous = last[address], now.timeIntervalSince(previous) < 60 { return false }
            if last.count > 10_000 { last.removeAll() }  // bounded: a spray of addresses cannot grow it forever
            last[address] = now
            return true
        }
    }
}
