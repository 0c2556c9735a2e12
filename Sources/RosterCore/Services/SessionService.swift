import Foundation

/// Administrators signing in to the Admin Portal: passwords, sessions, and the lock that
/// repeated failures earn. Sessions live in the database, so every instance serves them.
public struct SessionService: Sendable {
    let storage: any Storage
    let hasher: any PasswordHasher
    /// Failures in a row before the account is locked for ``lockDuration``.
    public var maxFailures = 5
    public var lockDuration: TimeInterval = 15 * 60
    /// A session ends after this long without a request.
    public var idleLifetime: TimeInterval = 12 * 3600

    public init(storage: any Storage, hasher: any PasswordHasher) {
        self.storage = storage
        self.hasher = hasher
    }

    public struct SignedIn: Sendable {
        /// Goes in the cookie; only its hash is stored.
        public var token: String
        public var session: AdminSession
        public var administrator: Administrator
    }

    public func signIn(email: String, password: String, clientIp: String?, requestId: String? = nil, now: Date = Date())
        async throws -> SignedIn
    {
        let key = email.trimmingCharacters(in: .whitespaces).lowercased()
        guard !key.isEmpty, !password.isEmpty else { throw RosterError.invalid("enter your email and password") }
        if let until = try await storage.signInLock(emailKey: key), until > now {
            throw RosterError.unauthorized(
                "too many failed sign-ins for this account: try again in \(Self.minutes(until.timeIntervalSince(now)))")
        }
        let administrator = try await storage.administrator(email: key)
        // Hash even for an unknown email, so the answer takes as long either way.
        let valid =
            administrator.map { hasher.verify(password, hash: $0.passwordHash) }
            ?? {
                _ = hasher.hash(password)
                return false
            }()
        guard let administrator, valid else {
            RosterMetrics.signInFailed()
            let failures = try await storage.recordSignInFailure(emailKey: key, now: now)
            if failures >= maxFailures {
                try await storage.lockSignIn(emailKey: key, until: now.addingTimeInterval(lockDuration))
            }
            try await storage.record(
                InsightsEvent(
                    type: .adminSignin,
                    initiator: Initiator(
                        type: .administrator, id: administrator?.id, email: key, role: .readonly, clientIp: clientIp,
                        requestId: requestId),
                    resource: .init(type: "administrator", id: administrator?.id, name: key), success: false))
            if failures >= maxFailures {
                throw RosterError.unauthorized(
                    "too many failed sign-ins for this account: try again in \(Self.minutes(lockDuration))")
            }
            throw RosterError.unauthorized("the email or password is wrong")
        }
        try await storage.clearSignInFailures(emailKey: key)
        let token = Digest.randomToken(prefix: "")
        let session = AdminSession(
            tokenHash: Digest.sha256(token), administratorId: administrator.id,
            csrfToken: Digest.randomToken(prefix: ""), created: now,
            expires: now.addingTimeInterval(idleLifetime), clientIp: clientIp)
        try await storage.createSession(session)
        var initiator = Initiator.administrator(administrator, clientIp: clientIp)
        initiator.requestId = requestId
        try await storage.record(
            InsightsEvent(
                type: .adminSignin, initiator: initiator,
                resource: .init(type: "administrator", id: administrator.id, name: administrator.email)))
        return SignedIn(token: token, session: session, administrator: administrator)
    }

    /// The administrator a session cookie belongs to, with their current role; nil when the
    /// session is unknown or expired. Busy sessions are extended now and then, not on every request.
    public func authenticate(token: String, clientIp: String?, requestId: String? = nil, now: Date = Date())
        async throws
        -> (Initiator, AdminSession)?
    {
        guard !token.isEmpty, let session = try await storage.session(tokenHash: Digest.sha256(token)) else {
            return nil
        }
        guard session.expires > now else {
            try await storage.deleteSession(tokenHash: session.tokenHash)
            return nil
        }
        guard let administrator = try await storage.administrator(id: session.administratorId) else { return nil }
        if session.expires.timeIntervalSince(now) < idleLifetime - 300 {
            try await storage.extendSession(tokenHash: session.tokenHash, expires: now.addingTimeInterval(idleLifetime))
        }
        var initiator = Initiator.administrator(administrator, clientIp: clientIp)
        initiator.requestId = requestId
        return (initiator, session)
    }

    public func signOut(token: String) async throws {
        try await storage.deleteSession(tokenHash: Digest.sha256(token))
    }

    static func minutes(_ interval: TimeInterval) -> String {
        let minutes = max(1, Int((interval / 60).rounded(.up)))
        return minutes == 1 ? "1 minute" : "\(minutes) minutes"
    }
}
