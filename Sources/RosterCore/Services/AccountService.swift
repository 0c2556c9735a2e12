import Foundation

/// Account registration: an imported user gains access once a password is set, by an
/// administrator or through a single-use, expiring link emailed to the user.
public struct AccountService: Sendable {
    let storage: any Storage
    let lookup: Lookup
    let hasher: any PasswordHasher
    let mail: MailOutbox
    /// Where the activation page is reached, e.g. https://roster.example.com.
    let publicURL: String
    /// How long an activation link works; a reset link works at most ``resetLifetime``.
    let linkLifetime: TimeInterval
    /// A reset link opens an account that already has a password: it is short-lived.
    public static let resetLifetime: TimeInterval = 3600

    init(
        storage: any Storage, lookup: Lookup, hasher: any PasswordHasher, mail: MailOutbox, publicURL: String,
        linkLifetime: TimeInterval
    ) {
        self.storage = storage
        self.lookup = lookup
        self.hasher = hasher
        self.mail = mail
        self.publicURL = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
        self.linkLifetime = linkLifetime
    }

    /// Sets the password; links sent before stop working.
    public func setPassword(email: String, password: String, by initiator: Initiator) async throws {
        try initiator.require(.change)
        let user = try await lookup.user(email: email)
        try PasswordRules.check(password, for: user)
        let hash = try await hasher.hash(password)
        try await storage.transaction { tx in
            try await tx.setPassword(userId: user.id, hash: hash)
            try await tx.invalidateUserTokens(userId: user.id, now: Date())
            try await tx.record(
                InsightsEvent(
                    type: .userPasswordSet, initiator: initiator,
                    resource: .init(type: "user", id: user.id, name: user.email)))
        }
    }

    /// Emails the user a link to choose a password: an activation while the password is
    /// pending, a reset once it is set. Links sent before stop working.
    public func sendLink(email: String, by initiator: Initiator) async throws {
        try initiator.require(.change)
        let user = try await lookup.user(email: email)
        guard user.state != .suspended else {
            throw RosterError.invalid("\(user.email) is suspended: reactivate the user before sending a link")
        }
        let activation = user.passwordStatus == .pending
        let lifetime = activation ? linkLifetime : min(linkLifetime, Self.resetLifetime)
        let token = Digest.randomToken(prefix: "")
        let link = "\(publicURL)/activate?token=\(token)"
        // bounded: a configured token lifetime
        let expiry = lifetime >= 3600 ? "\(Int(lifetime / 3600)) hours" : "\(Int(lifetime / 60)) minutes"
        let text =
            activation
            ? """
            Hello \(user.label),

            an account was created for you. Choose your password here:

            \(link)

            The link works once and expires in \(expiry).
            """
            : """
            Hello \(user.label),

            choose a new password here:

            \(link)

            The link works once and expires in \(expiry). If you did not expect this, ignore it.
            """
        // The new link, the end of the older ones, the email and its event: together or not at all.
        try await storage.transaction { [mail] tx in
            try await tx.invalidateUserTokens(userId: user.id, now: Date())
            try await tx.createUserToken(
                hash: Digest.sha256(token), userId: user.id, purpose: activation ? "activation" : "reset",
                expires: Date().addingTimeInterval(lifetime))
            try await mail.enqueue(
                EmailMessage(
                    from: mail.from, to: user.email,
                    subject: activation ? "Activate your account" : "Reset your password", text: text),
                in: tx)
            try await tx.record(
                InsightsEvent(
                    type: activation ? .userActivationSent : .userResetSent, initiator: initiator,
                    resource: .init(type: "user", id: user.id, name: user.email)))
        }
    }

    public enum LinkState: Sendable, Equatable {
        case valid(email: String)
        case unknown, used, expired, suspended
    }

    public func linkState(token: String, now: Date = Date()) async throws -> LinkState {
        guard let record = try await storage.userToken(hash: Digest.sha256(token)),
            let user = try await storage.user(id: record.userId)
        else { return .unknown }
        if record.used != nil { return .used }
        if record.expires <= now { return .expired }
        if user.state == .suspended { return .suspended }
        return .valid(email: user.email)
    }

    /// Sets the password through a link; the link is dead afterwards.
    public func redeem(token: String, password: String, now: Date = Date()) async throws {
        let again = "ask your administrator for a new one"
        switch try await linkState(token: token, now: now) {
        case .unknown: throw RosterError.notFound("this link is not valid: \(again)")
        case .used: throw RosterError.conflict("this link was already used: \(again)")
        case .expired: throw RosterError.invalid("this link has expired: \(again)")
        case .suspended: throw RosterError.forbidden("this account is suspended: ask your administrator")
        case .valid:
            guard let record = try await storage.userToken(hash: Digest.sha256(token)),
                let user = try await storage.user(id: record.userId)
            else { throw RosterError.notFound("this link is not valid") }
            try PasswordRules.check(password, for: user)
            let hash = try await hasher.hash(password)
            try await storage.transaction { tx in
                guard try await tx.redeemUserToken(hash: Digest.sha256(token), passwordHash: hash, now: now) else {
                    throw RosterError.conflict("this link was already used: \(again)")
                }
                try await tx.record(
                    InsightsEvent(
                        type: .userPasswordSet,
                        initiator: Initiator(type: .system, id: user.id, email: user.email, role: .readonly),
                        resource: .init(type: "user", id: user.id, name: user.email)))
            }
        }
    }
}
