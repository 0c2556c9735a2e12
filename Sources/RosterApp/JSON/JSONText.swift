import Foundation
import RosterCore

/// JSON text written directly, byte for byte what ``RosterJSON/encoder(pretty:)`` writes (sorted
/// keys, unescaped slashes, absent optionals left out, ISO 8601 dates): for the shapes a busy
/// endpoint answers with, where `JSONEncoder` spent more than a third of each request.
/// Tests hold each shape written here to the encoder's text.
public struct JSONText {
    public private(set) var bytes: [UInt8] = []

    public init() { bytes.reserveCapacity(4096) }

    private init(moving bytes: inout [UInt8]) {
        self.bytes = bytes
        bytes = []
    }

    /// Writes an object; `members` writes its members through ``Members``, in sorted order.
    mutating func object(_ members: (inout Members) -> Void) {
        bytes.append(UInt8(ascii: "{"))
        // The bytes move to the writer and back, never shared, so that no append copies them.
        var writer = Members(text: JSONText(moving: &bytes))
        members(&writer)
        bytes = writer.text.bytes
        writer.text.bytes = []
        bytes.append(UInt8(ascii: "}"))
    }

    mutating func array<Element>(_ elements: [Element], _ write: (inout JSONText, Element) -> Void) {
        bytes.append(UInt8(ascii: "["))
        for (index, element) in elements.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            write(&self, element)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    mutating func string(_ text: String) {
        var text = text
        // The string's own contiguous bytes: scanning its UTF-8 view was a twentieth of an API page.
        text.withUTF8 { string(utf8: $0) }
    }

    private mutating func string(utf8 text: UnsafeBufferPointer<UInt8>) {
        bytes.append(UInt8(ascii: "\""))
        // Most texts need no escape: their bytes go in at once.
        guard text.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else {
            bytes.append(contentsOf: text)
            bytes.append(UInt8(ascii: "\""))
            return
        }
        for byte in text {
            switch byte {
            case UInt8(ascii: "\""): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0x08: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "b")]
            case 0x0C: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "f")]
            case 0x0A: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x0D: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0x09: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0..<0x20:
                let hex = { (nibble: UInt8) in
                    nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
                }
                bytes += [
                    UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex(byte >> 4),
                    hex(byte & 0x0F),
                ]
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// As the encoder writes a number: a whole one up to 2^53 without a fraction (`12`, `-0`), any
    /// other as Swift's shortest text (`0.1`, `1e+16`).
    mutating func number(_ value: Double) {
        if value == value.rounded(), abs(value) <= 9_007_199_254_740_992 {
            bytes += (value == 0 && value.sign == .minus ? "-0" : String(Int64(value))).utf8
        } else {
            bytes += value.description.utf8
        }
    }

    /// The members of an object being written; the caller names them in sorted order.
    struct Members {
        fileprivate var text: JSONText
        private var first = true

        fileprivate init(text: JSONText) { self.text = text }

        private mutating func key(_ name: String) {
            if !first { text.bytes.append(UInt8(ascii: ",")) }
            first = false
            text.string(name)
            text.bytes.append(UInt8(ascii: ":"))
        }

        mutating func string(_ name: String, _ value: String?) {
            guard let value else { return }
            key(name)
            text.string(value)
        }

        mutating func date(_ name: String, _ value: Date) { string(name, value.iso8601Text) }

        mutating func bool(_ name: String, _ value: Bool) {
            key(name)
            text.bytes += (value ? "true" : "false").utf8
        }

        mutating func int(_ name: String, _ value: Int) {
            key(name)
            text.bytes += String(value).utf8
        }

        mutating func value(_ name: String, _ value: CustomValue) {
            key(name)
            switch value {
            case .text(let words): text.string(words)
            case .boolean(let flag): text.bytes += (flag ? "true" : "false").utf8
            case .number(let number): text.number(number)
            }
        }

        mutating func object(_ name: String, _ members: (inout Members) -> Void) {
            key(name)
            text.object(members)
        }

        mutating func array<Element>(_ name: String, _ elements: [Element], _ write: (inout JSONText, Element) -> Void)
        {
            key(name)
            text.array(elements, write)
        }
    }
}

/// A value ``JSONText`` writes.
public protocol JSONTextWritable: Encodable {
    func write(to text: inout JSONText)
}

extension JSONTextWritable {
    public var jsonText: [UInt8] {
        var text = JSONText()
        write(to: &text)
        return text.bytes
    }
}

extension UserJSON: JSONTextWritable {
    public func write(to text: inout JSONText) {
        text.object { m in
            m.array("addresses", addresses) { text, a in
                text.object { m in
                    m.string("country", a.country)
                    m.string("locality", a.locality)
                    m.string("poBox", a.poBox)
                    m.string("postalCode", a.postalCode)
                    m.string("region", a.region)
                    m.string("streetAddress", a.streetAddress)
                    m.string("type", a.type)
                }
            }
            m.string("costCenter", costCenter)
            m.date("created", created)
            if let custom {
                m.object("custom") { m in for name in custom.keys.sorted() { m.value(name, custom[name]!) } }
            }
            m.string("department", department)
            m.string("displayname", displayname)
            m.string("division", division)
            m.string("email", email)
            m.array("emails", emails) { text, e in
                text.object { m in
                    if let primary = e.primary { m.bool("primary", primary) }
                    m.string("type", e.type)
                    m.string("value", e.value)
                }
            }
            m.string("employeeIdentifier", employeeIdentifier)
            m.string("employeeType", employeeType)
            m.string("firstname", firstname)
            m.string("id", id)
            m.string("jobTitle", jobTitle)
            m.string("lastname", lastname)
            m.string("locale", locale)
            if let manager {
                m.object("manager") { m in
                    m.string("displayName", manager.displayName)
                    m.string("email", manager.email)
                    m.string("userId", manager.userId)
                    m.string("value", manager.value)
                }
            }
            m.string("middlename", middlename)
            m.string("nickName", nickName)
            m.string("organization", organization)
            m.string("passwordStatus", passwordStatus)
            m.array("phoneNumbers", phoneNumbers) { text, p in
                text.object { m in
                    m.string("number", p.number)
                    m.string("type", p.type)
                }
            }
            m.array("phones", phones) { text, p in
                text.object { m in
                    m.string("number", p.number)
                    m.string("type", p.type)
                }
            }
            m.string("preferredLanguage", preferredLanguage)
            m.object("source") { m in
                m.string("applicationId", source.applicationId)
                m.string("importJobId", source.importJobId)
                m.string("type", source.type)
            }
            m.string("state", state)
            m.string("timezone", timezone)
            m.date("updated", updated)
            m.string("username", username)
            m.int("version", version)
        }
    }
}

extension UsersPageJSON: JSONTextWritable {
    public func write(to text: inout JSONText) {
        text.object { m in
            m.string("nextCursor", nextCursor)
            m.array("users", users) { text, user in user.write(to: &text) }
        }
    }
}
