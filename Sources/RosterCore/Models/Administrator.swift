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

public struct Administrator: Sendable, Hashable, Codable {
    public var id: UUID
    public var email: String
    public var role: Role
    public var passwordHash: String
    public var created: Date
    public init(id: UUID = UUID(), email: String, role: Role, passwordHash: String, created: Date = Date()) {
        self.id = id
        self.email = email
        self.role = role
        self.passwordHash = passwordHash
        self.created = created
    }
}

public struct APIKey: Sendable, Hashable, Codable {
    public var id: UUID
    public var name: String
    public var role: Role
    /// SHA-256 of the key: the key itself is shown once and never stored.
    public var hash: String
    /// The administrator the key acts for (imports it starts email that person).
    public var administratorId: UUID?
    public var created: Date
    public init(
        id: UUID = UUID(), name: String, role: Role, hash: String, administratorId: UUID?, created: Date = Date()
    ) {
        self.id = id
        self.name = name
        self.role = role
        self.hash = hash
        self.administratorId = administratorId
        self.created = created
    }
}
