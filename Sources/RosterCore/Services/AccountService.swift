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
    let linkLifetime: TimeInterval

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

    public func setPassword(email: String, password: String, by initiator: Initiator) async throws {
        try initiator.require(.change)
        let user = try await lookup.user(email: email)
        try PasswordRules.check(password, for: user)
        try await storage.setPassword(userId: user.id, hash: hasher.hash(password))
        try await storage.record(
            InsightsEvent(
                type: .userPasswordSet, initiator: initiator,
                resource: .init(type: "user", id: user.id, name: user.email)))
    }

    /// Emails the user a link to choose a password: an activation while the password is
    /// pending, a reset once it is set.
    public func sendLink(email: String, by initiator: Initiator) async throws {
        try initiator.require(.change)
        let user = try await lookup.user(email: email)
        let purpose = user.passwordStatus == .pending ? "activation" : "reset"
        let token = Digest.randomToken(prefix: "")
        let expires = Date().addingTimeInterval(linkLifetime)
        try await storage.createUserToken(
            hash: Digest.sha256(token), userId: user.id, purpose: purpose, expires: expires)
        let link = "\(publicURL)/activate?token=\(token)"
        let hours = Int(linkLifetime / 3600)
        let lifetime = hours > 0 ? "\(hours) hours" : "\(Int(linkLifetime)) seconds"
        let text =
            purpose == "activation"
            ? """
            Hello \(user.label),

            an account was created for you. Choose your password here:

            \(link)

            The link works once and expires in \(lifetime).
            """
            : """
            Hello \(user.label),

            choose a new password here:

            \(link)

            The link works once and expires in \(lifetime). If you did not expect this, ignore it.
            """
        try await mail.enqueue(
            EmailMessage(
                from: mail.from, to: user.email,
                subject: purpose == "activation" ? "Activate your account" : "Reset your password",
                text: text))
        try await storage.record(
            InsightsEvent(
                type: purpose == "activation" ? .userActivationSent : .userResetSent,
                initiator: initiator,
                resource: .init(type: "user", id: user.id, name: user.email)))
    }

    public enum LinkState: Sendable, Equatable {
        case valid(email: String)
        case unknown, used, expired
    }

    public func linkState(token: String, now: Date = Date()) async throws -> LinkState {
        guard let record = try await storage.userToken(hash: Digest.sha256(token)),
            let user = try await storage.user(id: record.userId)
        else { return .unknown }
        if record.used != nil { return .used }
        if record.expires <= now { return .expired }
        return .valid(email: user.email)
    }

    /// Sets the password through a link; the link is dead afterwards.
    public func redeem(token: String, password: String, now: Date = Date()) async throws {
        switch try await linkState(token: token, now: now) {
        case .unknown: throw RosterError.notFound("this link is not valid: ask your administrator for a new one")
        case .used: throw RosterError.conflict("this link was already used: ask your administrator for a new one")
        case .expired: throw RosterError.invalid("this link has expired: ask your administrator for a new one")
        case .valid:
            guard let record = try await storage.userToken(hash: Digest.sha256(token)),
                let user = try await storage.user(id: record.userId)
            else { throw RosterError.notFound("this link is not valid") }
            try PasswordRules.check(password, for: user)
            guard
                try await storage.redeemUserToken(
                    hash: Digest.sha256(token), passwordHash: hasher.hash(password), now: now)
            else {
                throw RosterError.conflict("this link was already used: ask your administrator for a new one")
            }
            try await storage.record(
                InsightsEvent(
                    type: .userPasswordSet,
                    initiator: Initiator(type: .system, id: user.id, email: user.email, role: .readonly),
                    resource: .init(type: "user", id: user.id, name: user.email)))
        }
    }
}

/// What a password must be: long, and not one of the passwords breaches show people pick.
public enum PasswordRules {
    public static let minimumLength = 12

    /// The most common passwords of public breach corpora, stems that padding cannot hide.
    static let breachedStems = [
        "password", "passw0rd", "123456", "qwerty", "azerty", "letmein", "welcome", "iloveyou",
        "admin", "abc123", "monkey", "dragon", "football", "baseball", "sunshine", "princess",
        "master", "shadow", "trustno1", "changeme", "secret", "login", "starwars", "whatever",
    ]

    public static func check(_ password: String, for user: DirectoryUser) throws {
        guard password.count >= minimumLength else {
            throw RosterError.invalid("the password must have at least \(minimumLength) characters")
        }
        let lowered = password.lowercased()
        if Set(lowered).count <= 3 {
            throw RosterError.invalid("the password repeats too few characters; choose a less predictable one")
        }
        if let stem = breachedStems.first(where: { lowered.contains($0) }) {
            throw RosterError.invalid(
                "the password contains \"\(stem)\", one of the most breached passwords; choose another")
        }
        let local = user.email.split(separator: "@").first.map { String($0).lowercased() } ?? ""
        for part in [local, user.username.lowercased()] where part.count >= 4 && lowered.contains(part) {
            throw RosterError.invalid("the password must not contain your email or username")
        }
        if isSequence(lowered) {
            throw RosterError.invalid("the password is a keyboard or number sequence; choose another")
        }
    }

    static func isSequence(_ text: String) -> Bool {
        let scalars = text.unicodeScalars.map(\.value)
        guard scalars.count > 1 else { return false }
        return zip(scalars, scalars.dropFirst()).allSatisfy { $1 == $0 + 1 }
            || zip(scalars, scalars.dropFirst()).allSatisfy { $1 + 1 == $0 }
    }
}
