import Foundation

/// What an administrator may do (SPEC.md, "Concepts").
public enum Role: String, Sendable, Codable, CaseIterable {
    case admin, manager, readonly

    /// Reading is open to every role; changes need `manager`; administrators and keys need `admin`.
    public func allows(_ permission: Permission) -> Bool {
        switch permission {
        case .read: true
        case .change: self != .readonly
        case .manageAdministrators: self == .admin
        }
    }
}

extension Role {
    /// A role as an administrator types it.
    public static func parse(_ text: String) throws -> Role {
        guard let role = Role(rawValue: text.lowercased()) else {
            throw RosterError.invalid("the role must be admin, manager or readonly, not \"\(text)\"")
        }
        return role
    }
}

public enum Permission: Sendable {
    case read, change, manageAdministrators
}

public struct Administrator: Sendable, Hashable {
    public var id: UUID
    public var email: String
    public var role: Role
    public var passwordHash: String
    public var created: Date
    /// A disabled administrator cannot sign in, and their API keys stop working.
    public var disabled: Bool
    /// The TOTP secret once MFA is on (stored encrypted).
    public var mfaSecret: Data?
    /// A secret being enrolled, until a code from it confirms it.
    public var mfaPendingSecret: Data?

    public init(
        id: UUID = UUID.random(), email: String, role: Role, passwordHash: String, created: Date = Date(),
        disabled: Bool = false,
        mfaSecret: Data? = nil, mfaPendingSecret: Data? = nil
    ) {
        self.id = id
        self.email = email
        self.role = role
        self.passwordHash = passwordHash
        self.created = created
        self.disabled = disabled
        self.mfaSecret = mfaSecret
        self.mfaPendingSecret = mfaPendingSecret
    }

    public var mfaEnabled: Bool { mfaSecret != nil }
}

extension Administrator {
    /// Why work an administrator started or owns can no longer run as them (deleted, disabled, or
    /// readonly now); nil while it can. Queued imports and schedules run as their administrator is
    /// when they run, not as they were when asked.
    public static func cannotChange(_ admin: Administrator?, email: String) -> String? {
        guard let admin else { return "\(email) was deleted" }
        if admin.disabled { return "\(email) is disabled" }
        if !admin.role.allows(.change) { return "\(email) is \(admin.role.rawValue) now" }
        return nil
    }
}
