import Crypto
import Foundation
import RosterCore

#if canImport(Glibc)
    import Glibc
#endif

/// Where the key that encrypts credentials at rest comes from: `ROSTER_SECRET_KEY` (base64,
/// 32 bytes), or `<data-dir>/secret.key`, created on first use and readable by its owner only.
enum SecretKeyFile {
    static func load(dataDirectory: URL, configured: String?) throws -> SecretBox {
        if let configured {
            guard let data = Data(base64Encoded: configured), data.count == 32 else {
                throw RosterError.invalid("ROSTER_SECRET_KEY must be 32 bytes in base64 (try: openssl rand -base64 32)")
            }
            return SecretBox(key: SymmetricKey(data: data))
        }
        let file = dataDirectory.appendingPathComponent("secret.key")
        if let key = try read(file) { return SecretBox(key: key) }
        let key = SymmetricKey(size: .bits256)
        let encoded = Array(key.withUnsafeBytes { Data($0).base64EncodedString() }.utf8)
        // Written whole under a name of its own, then linked into place: of two processes starting
        // together, one's key is the key and the other reads it complete (created in place, it
        // could be read empty, before its creator wrote it).
        let draft = file.path + ".\(getpid()).\(UUID.random().text)"
        let descriptor = open(draft, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else {
            throw RosterError.internal("cannot create the key file \(file.path): \(String(cString: strerror(errno)))")
        }
        defer { unlink(draft) }
        let written = write(descriptor, encoded, encoded.count) == encoded.count && fsync(descriptor) == 0
        let why = String(cString: strerror(errno))
        close(descriptor)
        guard written else { throw RosterError.internal("cannot write the key file \(file.path): \(why)") }
        if link(draft, file.path) != 0 {
            if errno == EEXIST, let existing = try read(file) { return SecretBox(key: existing) }
            throw RosterError.internal("cannot create the key file \(file.path): \(String(cString: strerror(errno)))")
        }
        return SecretBox(key: key)
    }

    private static func read(_ file: URL) throws -> SymmetricKey? {
        guard FileManager.default.fileExists(atPath: file.path) else { return nil }
        guard let text = try? String(contentsOf: file, encoding: .utf8),
            let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), data.count == 32
        else {
            throw RosterError.internal(
                "the key file \(file.path) does not hold a 32-byte base64 key; restore it from a backup (the "
                    + "credentials it encrypted cannot be read without it)"
            )
        }
        return SymmetricKey(data: data)
    }
}
