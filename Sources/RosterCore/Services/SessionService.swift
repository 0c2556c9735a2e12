import Foundation

/// Administrators signing in to the Admin Portal: password, second factor, sessions, and the
/// throttle that failures earn. Sessions live in the database, so every instance serves them.
public struct SessionService: Sendable {
    let storage: any Storage
    let hasher: any PasswordHasher
    /// Administrators without a second factor must enrol one before anything else.
    public var requireMFA: Bool
    /// Failed attempts per account in a window before the account is locked.
    public var maxFailures = 5
    /// Failed attempts per client address in a window: many accounts from one address.
    public var maxAddressFailures = 50
    /// Attempts count within this window; a window whose lock is over starts again.
    public var window: TimeInterval = 15 * 60
    /// The longest lock; locks double from a minute up to it.
    public var maxLock: TimeInterval = 15 * 60
    /// A session ends after this long without a request…
    public var idleLifetime: TimeInterval = 3600
    /// …and after this long however busy it is.
    public var absoluteLifetime: TimeInterval = 12 * 3600

    public init(storage: any Storage, hasher: any PasswordHasher, requireMFA: Bool = false) {
        self.storage = storage
        self.hasher = hasher
        self.requireMFA = requireMFA
    }

    public struct SignedIn: Sendable {
        /// Goes in the cookie; only its hash is stored.
        public var token: String
        public var session: AdminSession
        public var administrator: Administrator
    }

    static func emailKey(_ email: String) -> String {
        "email:" + email.trimmingCharacters(in: .whitespaces).lowercased()
    }
    static func addressKey(_ address: String?) -> String { "address:" + (address ?? "unknown") }
    /// The second factor's failures count apart from the password's: a right password must not
    /// clear them, or alternating the two would check codes without end.
    static func secondFactorKey(_ email: String) -> String {
        "mfa:" + email.trimmingCharacters(in: .whitespaces).lowercased()
    }

    /// Checks the password. The attempt is counted before the slow hash, in one statement per
    /// key, so parallel attempts cannot get past the limit.
    public func signIn(email: String, password: String, clientIp: String?, requestId: String? = nil, now: Date = Date())
        async throws -> SignedIn
    {
        let email = email.trimmingCharacters(in: .whitespaces)
        guard !email.isEmpty, !password.isEmpty else { throw RosterError.invalid("enter your email and password") }
        let origin = Initiator(
            type: .administrator, id: nil, email: email.lowercased(), role: .readonly, clientIp: clientIp,
            requestId: requestId)
        try await countAttempt(Self.emailKey(email), origin: origin, now: now)
        let administrator = try await storage.administrator(email: email)
        // Hash even for an unknown email, so the answer takes as long either way.
        let valid =
            if let administrator { try await hasher.verify(password, hash: administrator.passwordHash) } else {
                try await hasher.hash(password).isEmpty
            }
        // A disabled administrator's right password is answered as a wrong one: the answer tells a
        // guesser nothing about which accounts exist or which passwords are right.
        guard let administrator, valid, !administrator.disabled else {
            try await failed(origin, administratorId: administrator?.id)
            throw RosterError.unauthorized("the email or password is wrong")
        }
        try await succeeded(Self.emailKey(email), clientIp: clientIp)
        let stage: AdminSession.Stage =
            administrator.mfaEnabled ? .secondFactor : requireMFA ? .enrol : .complete
        let token = Digest.randomToken(prefix: "")
        let session = AdminSession(
            tokenHash: Digest.sha256(token), administratorId: administrator.id,
            csrfToken: Digest.randomToken(prefix: ""),
            created: now, expires: now.addingTimeInterval(idleLifetime),
            absoluteExpires: now.addingTimeInterval(absoluteLifetime),
            clientIp: clientIp, stage: stage)
        // The session and its sign-in event together: no session the audit trail does not show.
        try await storage.transaction { tx in
            try await tx.createSession(session)
            if stage != .secondFactor { try await recordSignIn(administrator, origin, in: tx) }
        }
        return SignedIn(token: token, session: session, administrator: administrator)
    }

    /// The second step: a code from the authenticator app, or one of the recovery codes.
    public func verifySecondFactor(
        token: String, code: String, clientIp: String?, requestId: String? = nil,
        now: Date = Date()
    ) async throws {
        guard let session = try await storage.session(tokenHash: Digest.sha256(token)), session.stage == .secondFactor,
            let administrator = try await storage.administrator(id: session.administratorId),
            let secret = administrator.mfaSecret
        else { throw RosterError.unauthorized("sign in again") }
        let origin = Initiator.administrator(administrator, clientIp: clientIp)
        try await checkSecondFactor(code, secret: secret, of: administrator, origin: origin, now: now)
        var initiator = origin
        initiator.requestId = requestId
        try await storage.transaction { [initiator] tx in
            try await tx.setSessionStage(tokenHash: session.tokenHash, stage: .complete)
            try await recordSignIn(administrator, initiator, in: tx)
        }
    }

    /// Asks a signed-in administrator to prove it is them again, before a change a stolen session
    /// must not make (replacing the second factor): the password and, when they have one, a current
    /// code or a recovery code. Each is counted by the same throttle as at sign-in.
    public func confirmIdentity(
        of administrator: Administrator, password: String, code: String, clientIp: String?, now: Date = Date()
    ) async throws {
        let origin = Initiator.administrator(administrator, clientIp: clientIp)
        try await countAttempt(Self.emailKey(administrator.email), origin: origin, now: now)
        guard try await hasher.verify(password, hash: administrator.passwordHash) else {
            try await failed(origin, administratorId: administrator.id)
            throw RosterError.unauthorized("the password is wrong: enter the one you sign in with")
        }
        try await succeeded(Self.emailKey(administrator.email), clientIp: clientIp)
        guard let secret = administrator.mfaSecret else { return }
        try await checkSecondFactor(code, secret: secret, of: administrator, origin: origin, now: now)
    }

    /// A code from the authenticator app (each time step once) or an unused recovery code.
    private func checkSecondFactor(
        _ code: String, secret: Data, of administrator: Administrator, origin: Initiator, now: Date
    ) async throws {
        try await countAttempt(Self.secondFactorKey(administrator.email), origin: origin, now: now)
        var accepted = false
        if let step = TOTP.matchingStep(code, secret: secret, at: now) {
            accepted = try await storage.acceptTOTPStep(administratorId: administrator.id, step: step)
        } else {
            accepted = try await storage.useRecoveryCode(
                administratorId: administrator.id, hash: Digest.sha256(Self.normalized(code)), now: now)
        }
        guard accepted else {
            try await failed(origin, administratorId: administrator.id)
            throw RosterError.unauthorized(
                "the code is wrong or was already used: enter the current code from your app")
        }
        try await succeeded(Self.secondFactorKey(administrator.email), clientIp: origin.clientIp)
    }

    /// The administrator a session cookie belongs to, with their current role, and the session;
    /// nil when it is unknown, expired, or its administrator is disabled or gone. Busy sessions are
    /// extended now and then (never past their absolute end), not on every request.
    public func authenticate(token: String, clientIp: String?, requestId: String? = nil, now: Date = Date())
        async throws
        -> (Initiator, AdminSession)?
    {
        guard !token.isEmpty, var session = try await storage.session(tokenHash: Digest.sha256(token)) else {
            return nil
        }
        guard session.expires > now, session.absoluteExpires > now else {
            try await storage.deleteSession(tokenHash: session.tokenHash)
            return nil
        }
        guard let administrator = try await storage.administrator(id: session.administratorId), !administrator.disabled
        else { return nil }
        if session.expires.timeIntervalSince(now) < idleLifetime - 300 {
            session.expires = min(now.addingTimeInterval(idleLifetime), session.absoluteExpires)
            try await storage.extendSession(tokenHash: session.tokenHash, expires: session.expires)
        }
        // MFA made mandatory while this administrator was signed in without it: enrol first.
        if session.stage == .complete, requireMFA, !administrator.mfaEnabled { session.stage = .enrol }
        var initiator = Initiator.administrator(administrator, clientIp: clientIp)
        initiator.requestId = requestId
        return (initiator, session)
    }

    public func signOut(token: String) async throws {
        try await storage.deleteSession(tokenHash: Digest.sha256(token))
    }

    /// Ends every session of the signed-in administrator, on every device.
    public func signOutEverywhere(by initiator: Initiator) async throws {
        guard let id = initiator.id, let administrator = try await storage.administrator(id: id) else { return }
        try await storage.transaction { tx in
            try await tx.deleteSessions(administratorId: id)
            try await tx.record(
                InsightsEvent(
                    type: .adminSignout, initiator: initiator,
                    resource: .init(type: "administrator", id: id, name: administrator.email)))
        }
    }

    static func normalized(_ code: String) -> String {
        code.lowercased().filter { $0.isLetter || $0.isNumber }
    }

    static func minutes(_ interval: TimeInterval) -> String {
        // bounded: a lock of at most maxLock
        let minutes = max(1, Int((interval / 60).rounded(.up)))
        return minutes == 1 ? "1 minute" : "\(minutes) minutes"
    }

    // MARK: - The throttle

    /// Counts the attempt against the account (its password's or its second factor's `key`) and the
    /// client address; refuses it (without looking at the password or code) when either is locked or
    /// has just gone past its limit.
    private func countAttempt(_ key: String, origin: Initiator, now: Date) async throws {
        let limits = [
            (key, maxFailures, "this account"),
            (Self.addressKey(origin.clientIp), maxAddressFailures, "your address"),
        ]
        for (key, _, who) in limits {
            if let until = try await storage.signInLock(key: key), until > now { throw locked(who, until, now) }
        }
        for (key, limit, who) in limits {
            let (attempts, _) = try await storage.countSignInAttempt(key: key, now: now, window: window)
            guard attempts > limit else { continue }
            // bounded: attempts is a stored count, its shift held at 10
            let lock = min(maxLock, 60 * pow(2, Double(min(attempts - limit - 1, 10))))
            try await storage.lockSignIn(key: key, until: now.addingTimeInterval(lock))
            try await failed(origin, administratorId: nil)
            throw locked(who, now.addingTimeInterval(lock), now)
        }
    }

    private func locked(_ who: String, _ until: Date, _ now: Date) -> RosterError {
        .unauthorized("too many failed sign-ins for \(who): try again in \(Self.minutes(until.timeIntervalSince(now)))")
    }

    private func succeeded(_ key: String, clientIp: String?) async throws {
        try await storage.clearSignIn(key: key)
        try await storage.uncountSignInAttempt(key: Self.addressKey(clientIp))
    }

    private func failed(_ origin: Initiator, administratorId: UUID?) async throws {
        RosterMetrics.signInFailed()
        var initiator = origin
        initiator.id = administratorId
        try await storage.record(
            InsightsEvent(
                type: .adminSignin, initiator: initiator,
                resource: .init(type: "administrator", id: administratorId, name: origin.email), success: false))
    }

    private func recordSignIn(_ administrator: Administrator, _ origin: Initiator, in tx: any Storage) async throws {
        var initiator = Initiator.administrator(administrator, clientIp: origin.clientIp)
        initiator.requestId = origin.requestId
        try await tx.record(
            InsightsEvent(
                type: .adminSignin, initiator: initiator,
                resource: .init(type: "administrator", id: administrator.id, name: administrator.email)))
    }
}
