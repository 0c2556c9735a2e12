import Crypto
import Foundation

/// Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP): HMAC-SHA1, 30-second steps,
/// six digits, what every authenticator app computes from the secret in a QR code.
public enum TOTP {
    public static let step: TimeInterval = 30
    public static let digits = 6

    /// A new 160-bit secret.
    public static func newSecret() -> Data {
        SymmetricKey(size: .init(bitCount: 160)).withUnsafeBytes { Data($0) }
    }

    /// The time step `date` falls in.
    public static func timeStep(at date: Date) -> Int64 {
        // bounded: the clock's time over a 30 s step
        Int64((date.timeIntervalSince1970 / step).rounded(.down))
    }

    /// The code for one time step.
    public static func code(secret: Data, step: Int64) -> String {
        var counter = UInt64(bitPattern: step).bigEndian
        let message = withUnsafeBytes(of: &counter) { Data($0) }
        let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: SymmetricKey(data: secret)))
        // bounded: the low four bits of a byte
        let offset = Int(mac[mac.count - 1] & 0x0f)
        // bounded: offset + 3 < 20, the HMAC's length; each byte shifted within 32 bits
        let high = (UInt32(mac[offset] & 0x7f) << 24) | (UInt32(mac[offset + 1]) << 16)
        let binary = high | (UInt32(mac[offset + 2]) << 8) | UInt32(mac[offset + 3])  // bounded: as above
        let value = binary % 1_000_000
        let text = String(value)
        return String(repeating: "0", count: digits - text.count) + text
    }

    /// The time step whose code `code` is, allowing one step of clock drift either way.
    public static func matchingStep(_ code: String, secret: Data, at date: Date) -> Int64? {
        let digitsOnly = code.filter(\.isNumber)
        guard digitsOnly.count == digits else { return nil }
        let now = timeStep(at: date)
        return [now, now - 1, now + 1].first { constantTimeEquals(Self.code(secret: secret, step: $0), digitsOnly) }
    }

    /// The otpauth URI an authenticator app reads from a QR code.
    public static func uri(secret: Data, account: String, issuer: String = "Roster") -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~@:")
        let label = "\(issuer):\(account)".addingPercentEncoding(withAllowedCharacters: allowed) ?? account
        return
            "otpauth://totp/\(label)?secret=\(Base32.encode(secret))&issuer=\(issuer)&algorithm=SHA1&digits=6&period=30"
    }

    static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// RFC 4648 base32 without padding: how TOTP secrets are written for people and apps.
public enum Base32 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")

    public static func encode(_ data: Data) -> String {
        var output = ""
        var buffer = 0
        var bits = 0
        for byte in data {
            // bounded: a byte shifted into a buffer drained every 5 bits
            buffer = (buffer << 8) | Int(byte)
            bits += 8
            while bits >= 5 {
                output.append(alphabet[(buffer >> (bits - 5)) & 31])
                bits -= 5
            }
        }
        if bits > 0 { output.append(alphabet[(buffer << (5 - bits)) & 31]) }
        return output
    }

    public static func decode(_ text: String) -> Data? {
        var buffer = 0
        var bits = 0
        var output = Data()
        for character in text.uppercased() where character != "=" && character != " " {
            guard let value = alphabet.firstIndex(of: character) else { return nil }
            buffer = (buffer << 5) | value
            bits += 5
            if bits >= 8 {
                output.append(UInt8((buffer >> (bits - 8)) & 0xff))
                bits -= 8
            }
        }
        return output
    }
}
