import Foundation

extension UUID {
    /// Reads `8-4-4-4-12` hex digits, either case. Foundation's `UUID(uuidString:)` goes through
    /// `sscanf`, which was a tenth of the time of a page of users from the API.
    public init?(text: String) {
        guard let (uuid, _) = Self.parse(text) else { return nil }
        self = uuid
    }

    /// The case of a UUID's letters as written.
    enum LetterCase { case lower, upper, mixed }

    /// The UUID `text` writes and the case of its letters (digits alone count as lower case).
    static func parse(_ text: String) -> (UUID, LetterCase)? {
        var text = text
        // Read from the string's contiguous bytes: iterating its UTF-8 view was most of the time
        // of reading a page of users (two ids each).
        return text.withUTF8 { parse(utf8: $0) }
    }

    private static func parse(utf8 text: UnsafeBufferPointer<UInt8>) -> (UUID, LetterCase)? {
        guard text.count == 36 else { return nil }
        var bytes: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var lower = false
        var upper = false
        let ok = withUnsafeMutableBytes(of: &bytes) { out -> Bool in
            var count = 0
            var high: UInt8?
            for (offset, unit) in text.enumerated() {
                if offset == 8 || offset == 13 || offset == 18 || offset == 23 {
                    guard unit == UInt8(ascii: "-") else { return false }
                    continue
                }
                let digit: UInt8
                switch unit {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = unit - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"):
                    digit = unit - UInt8(ascii: "a") + 10
                    lower = true
                case UInt8(ascii: "A")...UInt8(ascii: "F"):
                    digit = unit - UInt8(ascii: "A") + 10
                    upper = true
                default: return false
                }
                if let first = high {
                    out[count] = first << 4 | digit
                    count += 1
                    high = nil
                } else {
                    high = digit
                }
            }
            return count == 16 && high == nil
        }
        guard ok else { return nil }
        return (UUID(uuid: bytes), lower && upper ? .mixed : upper ? .upper : .lower)
    }
}
