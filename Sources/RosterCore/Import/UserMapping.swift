import Foundation
import SCIM

/// SCIM to Roster, exactly as the table in SPEC.md "Attribute mapping".
public enum UserMapping {
    /// Longest text Roster keeps in one attribute; longer values make the user `invalid`.
    public static let maxLength = 1024

    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case noRemoteId
        case noUsableEmail
        case invalidEmail(String)
        case invalidValue(attribute: String, problem: String)

        public var description: String {
            switch self {
            case .noRemoteId: "the application sent this user without an id"
            case .noUsableEmail: "no usable email: the user has no emails and userName is not an email address"
            case .invalidEmail(let email): "email \"\(email)\" is not a valid email address"
            case .invalidValue(let attribute, let problem): "\(attribute) \(problem)"
            }
        }
    }

    /// The directory user an application's user becomes, or why it cannot be imported.
    public static func map(_ remote: SCIMUser, source: DirectoryUser.Source, now: Date = Date()) -> Result<
        DirectoryUser, Failure
    > {
        guard let remoteId = remote.id, !remoteId.isEmpty else { return .failure(.noRemoteId) }
        var source = source
        source.remoteId = remoteId
        var user = DirectoryUser(
            email: "", username: "", state: .active, passwordStatus: .pending, source: source, created: now,
            updated: now)
        if let problem = fill(&user, from: remote) { return .failure(problem) }
        return .success(user)
    }

    /// Sets every mapped attribute of `user` from `remote` (the table, nothing else), or says why
    /// `remote` cannot be a directory user. Import and the SCIM service both read users this way.
    public static func fill(_ user: inout DirectoryUser, from remote: SCIMUser) -> Failure? {
        guard let email = chooseEmail(remote) else { return .noUsableEmail }
        guard isEmailAddress(email) else { return .invalidEmail(email) }
        user.email = email
        user.username = remote.userName.flatMap { $0.isEmpty ? nil : $0 } ?? email
        user.firstname = remote.name?.givenName
        user.lastname = remote.name?.familyName
        user.middlename = remote.name?.middleName
        user.displayname = remote.displayName
        user.addresses = directoryAddresses(remote.addresses)
        user.jobTitle = remote.title
        user.department = remote.enterprise?.department
        user.phoneNumbers = directoryPhones(remote.phoneNumbers)
        user.costCenter = remote.enterprise?.costCenter
        user.employeeType = remote.userType
        user.employeeIdentifier = remote.enterprise?.employeeNumber
        user.organization = remote.enterprise?.organization
        do { user.profile = try UserProfile(remote) } catch { return error }
        return validate(user)
    }

    /// `primary: true`, else `type: work`, else the first; else `userName` if it is an address.
    public static func chooseEmail(_ remote: SCIMUser) -> String? {
        chooseEmail(remote.emails, userName: remote.userName)
    }

    static func chooseEmail(_ emails: [SCIMUser.MultiValue], userName: String?) -> String? {
        let emails = emails.filter { !($0.value ?? "").isEmpty }
        let chosen =
            emails.first(where: \.primary)
            ?? emails.first { $0.type?.lowercased() == "work" }
            ?? emails.first
        if let value = chosen?.value { return value }
        if let userName, isEmailAddress(userName) { return userName }
        return nil
    }

    /// The phone numbers the directory keeps: the work and home ones.
    static func directoryPhones(_ phones: [SCIMUser.MultiValue]) -> [DirectoryUser.PhoneNumber] {
        phones.compactMap { phone in
            guard let type = workOrHome(phone.type), let number = phone.value, !number.isEmpty else { return nil }
            return .init(type: type, number: number)
        }
    }

    /// The addresses the directory keeps: the work and home ones.
    static func directoryAddresses(_ addresses: [SCIMUser.Address]) -> [DirectoryUser.Address] {
        addresses.compactMap { address in
            guard let type = workOrHome(address.type) else { return nil }
            return .init(
                type: type, streetAddress: address.streetAddress, locality: address.locality,
                region: address.region, postalCode: address.postalCode, country: address.country,
                poBox: address.poBox)
        }
    }

    /// A practical check: one `@`, a non-empty local part, a dotted domain, no spaces or controls,
    /// at most 254 octets (RFC 5321's path limit less its brackets).
    public static func isEmailAddress(_ text: String) -> Bool {
        // Byte by byte, ASCII first: Character and scalar properties cost every imported user more
        // than the rest of their mapping.
        let bytes = text.utf8
        guard bytes.count <= 254, let at = bytes.firstIndex(of: UInt8(ascii: "@")), at != bytes.startIndex
        else { return false }
        let domain = bytes[bytes.index(after: at)...]
        guard let first = domain.first, let last = domain.last, first != UInt8(ascii: "."), last != UInt8(ascii: "."),
            domain.contains(UInt8(ascii: ".")), !domain.contains(UInt8(ascii: "@"))
        else { return false }
        var ascii = true
        for byte in bytes {
            switch byte {
            case 0..<0x21, 0x7F, UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: ","): return false
            case 0x80...: ascii = false
            default: continue
            }
        }
        return ascii
            || !text.unicodeScalars.contains { scalar in
                scalar.properties.isControl || scalar.properties.isWhitespace
            }
    }

    static func workOrHome(_ type: String?) -> String? {
        guard let type = type?.lowercased(), type == "work" || type == "home" else { return nil }
        return type
    }

    static func validate(_ user: DirectoryUser) -> Failure? {
        var fields: [(String, String?)] = [
            ("userName", user.username), ("name.givenName", user.firstname), ("name.familyName", user.lastname),
            ("name.middleName", user.middlename), ("displayName", user.displayname), ("title", user.jobTitle),
            ("department", user.department), ("costCenter", user.costCenter), ("userType", user.employeeType),
            ("employeeNumber", user.employeeIdentifier), ("organization", user.organization),
        ]
        for address in user.addresses {
            fields += [
                ("address streetAddress", address.streetAddress), ("address locality", address.locality),
                ("address region", address.region), ("address postalCode", address.postalCode),
                ("address country", address.country), ("address poBox", address.poBox),
            ]
        }
        fields += user.phoneNumbers.map { ("phoneNumber", $0.number) }
        for (name, value) in fields {
            guard let value else { continue }
            // utf8.count bounds count from above and costs nothing: count only long values.
            if value.utf8.count > maxLength, value.count > maxLength {
                return .invalidValue(attribute: name, problem: "is longer than \(maxLength) characters")
            }
            if indexed.contains(name), value.utf8.count > maxIndexedBytes {
                return .invalidValue(attribute: name, problem: "is longer than \(maxIndexedBytes) bytes (UTF-8)")
            }
            // Databases refuse NUL in text; no name or title holds a control character (an address
            // may hold line breaks, a title a tab).
            let allowed: Set<Unicode.Scalar> = name.hasPrefix("address") ? ["\t", "\n", "\r"] : ["\t"]
            if let control = controlCharacter(in: value, allowing: allowed) {
                let problem =
                    control == "\0" ? "contains a NUL character" : "contains the control character \(control.code)"
                return .invalidValue(attribute: name, problem: problem)
            }
        }
        // Scalar by scalar: Foundation's trimming bridged every imported username through NSString.
        if user.username.unicodeScalars.allSatisfy({ $0.properties.isWhitespace }) {
            return .invalidValue(attribute: "userName", problem: "is blank")
        }
        // Identifiers hold no invisible format character; no name holds a direction override, which
        // would show one address or name as another (U+202E turns "moc.evil" into "live.com").
        for (name, value) in [("userName", user.username), ("email", user.email)] {
            if let control = controlCharacter(in: value) {
                return .invalidValue(attribute: name, problem: "contains the control character \(control.code)")
            }
            if let scalar = value.unicodeScalars.first(where: { isFormat($0) }) {
                return .invalidValue(attribute: name, problem: "contains the invisible character \(scalar.code)")
            }
        }
        let names = [
            ("name.givenName", user.firstname), ("name.familyName", user.lastname),
            ("name.middleName", user.middlename), ("displayName", user.displayname),
        ]
        for (name, value) in names {
            if let value, let scalar = directionControl(in: value) {
                return .invalidValue(attribute: name, problem: "contains the direction control \(scalar.code)")
            }
        }
        return nil
    }

    /// What the directory looks users up by: each is in an index, whose entries have a size limit
    /// (PostgreSQL's is 2704 bytes), so these are bounded in bytes as well as characters.
    static let indexed: Set<String> = ["userName", "name.familyName", "displayName", "externalId"]
    static let maxIndexedBytes = 1500

    /// A control character (C0, DEL or C1) in `value` other than those `allowing` names; nil when none.
    /// Byte by byte first: nearly every value has none, and this runs for every imported user.
    static func controlCharacter(in value: String, allowing allowed: Set<Unicode.Scalar> = []) -> Unicode.Scalar? {
        guard value.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == 0xC2 }) else { return nil }
        return value.unicodeScalars.first { $0.properties.generalCategory == .control && !allowed.contains($0) }
    }

    /// Why an identifier a client sends (`externalId`) cannot be kept; nil when it can.
    public static func identifierProblem(_ value: String) -> String? {
        if value.utf8.count > maxIndexedBytes { return "is longer than \(maxIndexedBytes) bytes (UTF-8)" }
        if let control = controlCharacter(in: value) { return "contains the control character \(control.code)" }
        if let scalar = value.unicodeScalars.first(where: { isFormat($0) }) {
            return "contains the invisible character \(scalar.code)"
        }
        return nil
    }

    /// The direction controls of Unicode's bidirectional algorithm: embeddings, overrides, isolates, marks.
    static let bidiControls = Set<UInt32>([0x061C, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E])
        .union(0x2066...0x2069)

    /// The first direction control in `value`, if any. Byte by byte first: each is U+061C (UTF-8
    /// D8 9C) or in U+200E–U+2069 (E2 80/81 …), and nearly every value has neither lead byte.
    static func directionControl(in value: String) -> Unicode.Scalar? {
        guard value.utf8.contains(where: { $0 == 0xD8 || $0 == 0xE2 }) else { return nil }
        return value.unicodeScalars.first { bidiControls.contains($0.value) }
    }

    /// A format character (Unicode's Cf: zero-width, direction controls, …) or a direction control.
    static func isFormat(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value >= 0x80 && (scalar.properties.generalCategory == .format || bidiControls.contains(scalar.value))
    }
}

extension UserMapping {
    /// Where the standard mapping writes a directory attribute in an application's user (SPEC's
    /// table read the other way); nil for an attribute it does not write (a custom one).
    static func scimPath(of attribute: String) -> String? {
        let enterprise = SCIMSchema.enterpriseUser + ":"
        return [
            "username": "userName", "email": "emails", "firstname": "name.givenName", "lastname": "name.familyName",
            "middlename": "name.middleName", "displayname": "displayName", "addresses": "addresses",
            "jobTitle": "title", "department": enterprise + "department", "phoneNumbers": "phoneNumbers",
            "costCenter": enterprise + "costCenter", "employeeType": "userType",
            "employeeIdentifier": enterprise + "employeeNumber", "organization": enterprise + "organization",
        ][attribute]
    }

    /// Roster to SCIM: the same table read the other way, for provisioning.
    public static func scimUser(_ user: DirectoryUser, active: Bool) -> SCIMUser {
        var remote = SCIMUser(
            externalId: user.id.text, userName: user.username,
            name: .init(givenName: user.firstname, familyName: user.lastname, middleName: user.middlename),
            displayName: user.displayname, title: user.jobTitle, userType: user.employeeType, active: active,
            emails: [.init(value: user.email, type: "work", primary: true)],
            phoneNumbers: user.phoneNumbers.map { .init(value: $0.number, type: $0.type) },
            // poBox is not an RFC 7643 address attribute: strict providers refuse it, so it stays home.
            addresses: user.addresses.map {
                .init(
                    type: $0.type, streetAddress: $0.streetAddress, locality: $0.locality, region: $0.region,
                    postalCode: $0.postalCode, country: $0.country)
            })
        // Every email, number and address the directory knows, not only those SPEC's table keeps: an
        // application's user is never written with fewer than it was read with.
        let sent = sentEntries(user)
        // The directory's email is the primary one, whichever the profile marked.
        remote.emails = SCIMUser.MultiValue.entries(sent.emails).map { email in
            var email = email
            email.primary = email.value?.lowercased() == user.email.lowercased()
            return email
        }
        remote.phoneNumbers = SCIMUser.MultiValue.entries(sent.phoneNumbers)
        remote.addresses = SCIMUser.Address.entries(sent.addresses).map { address in
            var address = address
            address.poBox = nil
            return address
        }
        let enterprise = SCIMUser.Enterprise(
            employeeNumber: user.employeeIdentifier, costCenter: user.costCenter,
            organization: user.organization, department: user.department)
        if enterprise != SCIMUser.Enterprise() { remote.enterprise = enterprise }
        return remote
    }
}
