import HummingbirdBcrypt
import RosterCore

/// Administrator and user passwords, hashed with bcrypt.
public struct BcryptHasher: PasswordHasher {
    public init() {}
    public func hash(_ password: String) -> String { Bcrypt.hash(password, cost: 12) }
    public func verify(_ password: String, hash: String) -> Bool { Bcrypt.verify(password, hash: hash) }
}
