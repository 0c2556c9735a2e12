import Crypto
import Foundation

/// Encrypts secrets at rest (integration credentials) with AES-GCM. Where the key comes from
/// (`ROSTER_SECRET_KEY` or a key file) is the composition's business, not the domain's.
public struct SecretBox: Sendable {
    private let key: SymmetricKey

    public init(key: SymmetricKey) {
        self.key = key
    }

    public func seal(_ plaintext: Data) throws -> String {
        guard let combined = try AES.GCM.seal(plaintext, using: key).combined else {
            throw RosterError.invalid("could not encrypt the secret")
        }
        return combined.base64EncodedString()
    }

    public func open(_ sealed: String) throws -> Data {
        guard let data = Data(base64Encoded: sealed), let box = try? AES.GCM.SealedBox(combined: data),
            let plaintext = try? AES.GCM.open(box, using: key)
        else {
            throw RosterError.invalid(
                "a stored secret cannot be decrypted: ROSTER_SECRET_KEY or data/secret.key changed")
        }
        return plaintext
    }
}

/// Hashes secrets that are only ever compared (API keys, activation tokens).
public enum Digest {
    public static func sha256(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// A random token for humans to copy: URL-safe, 256 bits.
    public static func randomToken(prefix: String) -> String {
        let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        let text = bytes.base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        return prefix + text
    }
}

/// Password hashing is injected: bcrypt lives with the composition, off the cooperative thread
/// pool, so a burst of sign-ins cannot stall every other request.
public protocol PasswordHasher: Sendable {
    func hash(_ password: String) async throws -> String
    func verify(_ password: String, hash: String) async throws -> Bool
}
