import Foundation

extension UUID {
    /// The lower-case form Roster writes and prints everywhere (never `uuidString`), written
    /// directly: an import writes several ids per user.
    public var text: String {
        withUnsafeBytes(of: uuid) { bytes in
            String(unsafeUninitializedCapacity: 36) { out in
                var at = 0
                for (index, byte) in bytes.enumerated() {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        out[at] = UInt8(ascii: "-")
                        at += 1
                    }
                    out[at] = Self.hexDigit(byte >> 4)
                    out[at + 1] = Self.hexDigit(byte & 0x0F)
                    at += 2
                }
                return at
            }
        }
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }

    /// A random (version 4) UUID from the system's generator. Foundation's `UUID()` opens
    /// /dev/urandom for every id on Linux: two system calls more per imported user and event.
    public static func random() -> UUID {
        var bytes = RandomPool.next128()
        return withUnsafeMutableBytes(of: &bytes) { raw in
            raw[6] = (raw[6] & 0x0F) | 0x40
            raw[8] = (raw[8] & 0x3F) | 0x80
            return UUID(uuid: raw.load(as: uuid_t.self))
        }
    }

    /// A time-ordered (version 7, RFC 9562 §5.7) UUID: 48 bits of Unix milliseconds, then random
    /// bits. Rows written with these ids (users, events) append to the primary key's index instead
    /// of landing at random pages of it, which at 100,000 imported users was most of the insert cost.
    public static func timeOrdered(at date: Date = Date()) -> UUID {
        var bytes = RandomPool.next128()
        let millis = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        return withUnsafeMutableBytes(of: &bytes) { raw in
            for index in 0..<6 { raw[index] = UInt8(truncatingIfNeeded: millis >> (8 * (5 - index))) }
            raw[6] = (raw[6] & 0x0F) | 0x70
            raw[8] = (raw[8] & 0x3F) | 0x80
            return UUID(uuid: raw.load(as: uuid_t.self))
        }
    }
}
