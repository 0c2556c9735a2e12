import Foundation

/// Enrolling a second factor: a TOTP secret shown as a QR code and as text, confirmed with a code
/// from the app, and ten recovery codes shown once and stored hashed.
public struct MFAService: Sendable {
    let storage: any Storage
    /// Replacing a second factor asks for the password and the current factor again.
    let sessions: SessionService
    public static let recoveryCodeCount = 10

    /// What an administrator who has a second factor gives to replace it: their password and a
    /// current code (or a recovery code) from the factor they have.
    public struct Identity: Sendable {
        public var password: String
        public var code: String
        public var clientIp: String?
        public init(password: String, code: String, clientIp: String?) {
            self.password = password
            self.code = code
            self.clientIp = clientIp
        }
    }

    public struct Enrolment: Sendable {
        public var secret: Data
        /// The otpauth URI the QR code carries.
        public var uri: String
        /// The secret as people type it.
        public var text: String { Base32.encode(secret) }
    }

    /// Starts (or starts again) an enrolment for the signed-in administrator.
    public func start(by initiator: Initiator) async throws -> Enrolment {
        var administrator = try await signedIn(initiator)
        let secret = TOTP.newSecret()
        administrator.mfaPendingSecret = secret
        try await storage.updateAdministrator(administrator)
        return Enrolment(secret: secret, uri: TOTP.uri(secret: secret, account: administrator.email))
    }

    /// Whether the signed-in administrator has a second factor.
    public func isEnrolled(by initiator: Initiator) async throws -> Bool {
        try await signedIn(initiator).mfaEnabled
    }

    /// The enrolment in progress, to show it again.
    public func pending(by initiator: Initiator) async throws -> Enrolment? {
        let administrator = try await signedIn(initiator)
        return administrator.mfaPendingSecret.map {
            Enrolment(secret: $0, uri: TOTP.uri(secret: $0, account: administrator.email))
        }
    }

    /// Confirms the enrolment with a current code; answers the recovery codes, shown this once.
    /// `session` (the cookie's token) is let through to the rest of the portal. An administrator who
    /// already has a second factor proves it is them (`identity`) first: a session alone, which may
    /// have been stolen, cannot replace it.
    public func confirm(
        code: String, identity: Identity? = nil, session token: String?, by initiator: Initiator, now: Date = Date()
    ) async throws -> [String] {
        var administrator = try await signedIn(initiator)
        guard let pending = administrator.mfaPendingSecret else {
            throw RosterError.invalid("start the enrolment first: no authenticator secret is waiting for a code")
        }
        let replacing = administrator.mfaEnabled
        if replacing {
            guard let identity else {
                throw RosterError.unauthorized(
                    "to replace your second factor, enter your password and a code from the one you have")
            }
            try await sessions.confirmIdentity(
                of: administrator, password: identity.password, code: identity.code, clientIp: identity.clientIp,
                now: now)
        }
        // Replacing, the current factor's code just took this time step; the new secret's code needs
        // only to match (it is never a sign-in).
        let step = TOTP.matchingStep(code, secret: pending, at: now)
        var accepted = step != nil
        if let step, !replacing {
            accepted = try await storage.acceptTOTPStep(administratorId: administrator.id, step: step)
        }
        guard accepted else {
            throw RosterError.invalid(
                "the code does not match: enter the current code your app shows (check its clock)")
        }
        administrator.mfaSecret = pending
        administrator.mfaPendingSecret = nil
        let codes = (0..<Self.recoveryCodeCount).map { _ in Self.recoveryCode() }
        try await storage.transaction { [administrator] tx in
            try await tx.updateAdministrator(administrator)
            try await tx.saveRecoveryCodes(
                administratorId: administrator.id,
                hashes: codes.map { Digest.sha256(SessionService.normalized($0)) })
            if let token { try await tx.setSessionStage(tokenHash: Digest.sha256(token), stage: .complete) }
            try await tx.record(
                InsightsEvent(
                    type: .adminMFAEnrol, initiator: initiator,
                    resource: .init(type: "administrator", id: administrator.id, name: administrator.email)))
        }
        return codes
    }

    private func signedIn(_ initiator: Initiator) async throws -> Administrator {
        guard initiator.type == .administrator, let id = initiator.id,
            let administrator = try await storage.administrator(id: id)
        else { throw RosterError.forbidden("only a signed-in administrator can enrol a second factor") }
        return administrator
    }

    /// Ten characters in two groups, easy to read out: `k7p2m-x9q4r`.
    static func recoveryCode() -> String {
        let alphabet = Array("abcdefghjkmnpqrstuvwxyz23456789")
        let characters = (0..<10).map { _ in alphabet.randomElement()! }
        return String(characters[0..<5]) + "-" + String(characters[5..<10])
    }
}
