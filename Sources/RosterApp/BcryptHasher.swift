import HummingbirdBcrypt
import NIOPosix
import RosterCore

/// Administrator and user passwords, hashed with bcrypt (cost 12) on NIO's blocking thread pool:
/// a hash takes a quarter of a second of CPU, which must not hold a cooperative thread.
public struct BcryptHasher: PasswordHasher {
    public init() {}

    public func hash(_ password: String) async throws -> String {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: 12) }
    }

    public func verify(_ password: String, hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }
}
