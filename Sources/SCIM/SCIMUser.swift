/// A SCIM User (RFC 7643 §4.1) with the enterprise extension (§4.3), read tolerantly.
///
/// Every attribute is optional: service providers omit what they like. `raw` keeps the
/// resource as sent, so filters and sorting can reach attributes this type does not name.
public struct SCIMUser: Sendable, Hashable {
    public struct Name: Sendable, Hashable {
        public var givenName: String?
        public var familyName: String?
        public var middleName: String?
        public var formatted: String?
        public init(
            givenName: String? = nil, familyName: String? = nil, middleName: String? = nil, formatted: String? = nil
        ) {
            self.givenName = givenName
            self.familyName = familyName
            self.middleName = middleName
            self.formatted = formatted
        }
    }

    /// A multi-valued attribute entry such as an email or phone number.
    public struct MultiValue: Sendable, Hashable {
        public var value: String?
        public var type: String?
        public var primary: Bool
        public var display: String?
        public init(value: String?, type: String? = nil, primary: Bool = false, display: String? = nil) {
            self.value = value
            self.type = type
            self.primary = primary
            self.display = display
        }
    }

    public struct Address: Sendable, Hashable {
        public var type: String?
        public var streetAddress: String?
        public var locality: String?
        public var region: String?
        public var postalCode: String?
        public var country: String?
        public var poBox: String?
        public var formatted: String?
        public init(
            type: String?, streetAddress: String? = nil, locality: String? = nil, region: String? = nil,
            postalCode: String? = nil, country: String? = nil, poBox: String? = nil, formatted: String? = nil
        ) {
            self.type = type
            self.streetAddress = streetAddress
            self.locality = locality
            self.region = region
            self.postalCode = postalCode
            self.country = country
            self.poBox = poBox
            self.formatted = formatted
        }
    }

    public struct Enterprise: Sendable, Hashable {
        public var employeeNumber: String?
        public var costCenter: String?
        public var organization: String?
        public var division: String?
        public var department: String?
        public init(
            employeeNumber: String? = nil, costCenter: String? = nil, organization: String? = nil,
            division: String? = nil, department: String? = nil
        ) {
            self.employeeNumber = employeeNumber
            self.costCenter = costCenter
            self.organization = organization
            self.division = division
            self.department = department
        }
    }

    public var id: String?
    public var externalId: String?
    public var userName: String?
    public var name: Name?
    public var displayName: String?
    public var title: String?
    public var userType: String?
    public var active: Bool?
    public var emails: [MultiValue]
    public var phoneNumbers: [MultiValue]
    public var addresses: [Address]
    public var enterprise: Enterprise?
    public var version: String?
    public var raw: JSONValue
    /// The attributes a directory keeps exactly as they were sent, by name (``keptMembers``, and the
    /// enterprise extension's `manager`): the whole lists of emails, phone numbers and addresses with
    /// every type, the name with its formatted form and honorifics, and RFC 7643's other attributes.
    public var kept: [String: JSONValue] = [:]

    public init(
        id: String? = nil, externalId: String? = nil, userName: String?, name: Name? = nil,
        displayName: String? = nil, title: String? = nil, userType: String? = nil, active: Bool? = nil,
        emails: [MultiValue] = [], phoneNumbers: [MultiValue] = [], addresses: [Address] = [],
        enterprise: Enterprise? = nil
    ) {
        self.id = id
        self.externalId = externalId
        self.userName = userName
        self.name = name
        self.displayName = displayName
        self.title = title
        self.userType = userType
        self.active = active
        self.emails = emails
        self.phoneNumbers = phoneNumbers
        self.addresses = addresses
        self.enterprise = enterprise
        self.raw = .null
    }

    /// The members of a resource `init(json:)` reads; a listing that reads users straight into
    /// values keeps only these.
    static let mappedMembers =
        [
            "id", "externalId", "userName", "name", "displayName", "title", "userType", "active", "emails",
            "phoneNumbers", "addresses", SCIMSchema.enterpriseUser, "meta",
        ] + otherMembers

    /// RFC 7643 §4.1's User attributes this type has no property for: kept as sent (``kept``).
    public static let otherMembers = [
        "nickName", "profileUrl", "preferredLanguage", "locale", "timezone", "ims", "photos", "entitlements", "roles",
        "x509Certificates",
    ]

    /// The members kept as sent besides ``otherMembers``: their typed properties hold what a directory
    /// maps, `kept` the whole of them.
    public static let keptWhole = ["name", "emails", "phoneNumbers", "addresses"]

    /// Reads a user from a resource as a service provider sent it.
    public init(json: JSONValue) {
        self.init(userName: nil)
        for member in Self.mappedMembers {
            guard var value = json[member] else { continue }
            // A value already parsed has nothing left to fail.
            try? read(member: member, from: &value)
        }
        raw = json
    }

    /// Sets what one member of a resource says: the whole attribute, so that a member read later
    /// (the exact spelling after another case's) replaces what an earlier one set.
    mutating func read(member: String, from value: inout some UserMemberSource) throws {
        switch member {
        case "id": id = try value.readText()
        case "externalId": externalId = try value.readText()
        case "userName": userName = try value.readText()
        case "name":
            var whole = try value.readJSON()
            kept[member] = whole
            name = whole.readObject(Name.members).map(Name.init(picked:))
        case "displayName": displayName = try value.readText()
        case "title": title = try value.readText()
        case "userType": userType = try value.readText()
        case "active": active = try value.readBool()
        case "emails", "phoneNumbers":
            var whole = try value.readJSON()
            kept[member] = whole
            let entries = whole.readElements(MultiValue.members).map(MultiValue.init(picked:))
            if member == "emails" { emails = entries } else { phoneNumbers = entries }
        case "addresses":
            var whole = try value.readJSON()
            kept[member] = whole
            addresses = whole.readElements(Address.members).map { entry in
                guard case .object(let picked) = entry else { return Address(picked: []) }
                return Address(picked: picked)
            }
        case SCIMSchema.enterpriseUser:
            var whole = try value.readJSON()
            enterprise = whole.readObject(Enterprise.members).map(Enterprise.init(picked:))
            kept["manager"] = whole["manager"]
        case "meta": version = try value.readObject(["version"])?[0]?.text
        case _ where Self.otherMembers.contains(member): kept[member] = try value.readJSON()
        default: _ = try value.readText()
        }
    }
}

/// Each part of a user from the members of its object, in the order of `members`.
extension SCIMUser.Name {
    static let members = ["givenName", "familyName", "middleName", "formatted"]
    init(picked v: [JSONValue?]) {
        self.init(givenName: v[0]?.text, familyName: v[1]?.text, middleName: v[2]?.text, formatted: v[3]?.text)
    }
}

extension SCIMUser.MultiValue {
    static let members = ["value", "type", "primary", "display"]

    /// The entries of a multi-valued attribute as a resource holds it.
    public static func entries(_ json: JSONValue) -> [Self] { json.readElements(members).map(Self.init(picked:)) }

    init(picked entry: PickedEntry) {
        switch entry {
        case .object(let v):
            self.init(value: v[0]?.text, type: v[1]?.text, primary: v[2]?.bool ?? false, display: v[3]?.text)
        // Some servers send a bare string list (`"emails": ["a@b"]`).
        case .value(let value): self.init(value: value.text)
        }
    }
}

extension SCIMUser.Address {
    static let members = ["type", "streetAddress", "locality", "region", "postalCode", "country", "poBox", "formatted"]

    /// The addresses as a resource holds them.
    public static func entries(_ json: JSONValue) -> [Self] {
        json.readElements(members).map { entry in
            guard case .object(let picked) = entry else { return Self(picked: []) }
            return Self(picked: picked)
        }
    }

    /// An entry that is not an object is an address of nothing (`picked` empty).
    init(picked v: [JSONValue?]) {
        func at(_ i: Int) -> String? { i < v.count ? v[i]?.text : nil }
        self.init(
            type: at(0), streetAddress: at(1), locality: at(2), region: at(3), postalCode: at(4), country: at(5),
            poBox: at(6), formatted: at(7))
    }
}

extension SCIMUser.Enterprise {
    static let members = ["employeeNumber", "costCenter", "organization", "division", "department"]
    init(picked v: [JSONValue?]) {
        self.init(
            employeeNumber: v[0]?.text, costCenter: v[1]?.text, organization: v[2]?.text, division: v[3]?.text,
            department: v[4]?.text)
    }
}

extension SCIMUser {
    /// The resource to send to a service provider (POST or PUT): the attributes this type names, and
    /// whatever else `raw` holds (a vendor's attributes and extensions, `nickName`, a manager) as it is.
    public var json: JSONValue {
        var members: [String: JSONValue] = raw.objectMembersIfAny.filter { key, _ in
            // `groups` is read-only (RFC 7643 §4.1.2): a provider's own, never sent back.
            !Self.mappedMembers.contains(key) && key != "schemas" && key != "groups"
        }
        let rawSchemas = (raw["schemas"]?.elements ?? []).filter { $0.text != SCIMSchema.user }
        var schemas: [JSONValue] = [.string(SCIMSchema.user)] + rawSchemas
        func put(_ key: String, _ value: String?) { if let value { members[key] = .string(value) } }
        put("externalId", externalId)
        put("userName", userName)
        put("displayName", displayName)
        put("title", title)
        put("userType", userType)
        if let active { members["active"] = .bool(active) }
        if let name {
            var object: [String: JSONValue] = [:]
            if let v = name.givenName { object["givenName"] = .string(v) }
            if let v = name.familyName { object["familyName"] = .string(v) }
            if let v = name.middleName { object["middleName"] = .string(v) }
            if let v = name.formatted { object["formatted"] = .string(v) }
            members["name"] = .object(object)
        }
        func multi(_ values: [MultiValue]) -> JSONValue {
            .array(
                values.map { entry in
                    var object: [String: JSONValue] = [:]
                    if let v = entry.value { object["value"] = .string(v) }
                    if let v = entry.type { object["type"] = .string(v) }
                    if entry.primary { object["primary"] = .bool(true) }
                    if let v = entry.display { object["display"] = .string(v) }
                    return .object(object)
                })
        }
        if !emails.isEmpty { members["emails"] = multi(emails) }
        if !phoneNumbers.isEmpty { members["phoneNumbers"] = multi(phoneNumbers) }
        if !addresses.isEmpty {
            members["addresses"] = .array(
                addresses.map { address in
                    var object: [String: JSONValue] = [:]
                    let fields: [(String, String?)] = [
                        ("type", address.type), ("streetAddress", address.streetAddress),
                        ("locality", address.locality),
                        ("region", address.region), ("postalCode", address.postalCode), ("country", address.country),
                        ("poBox", address.poBox), ("formatted", address.formatted),
                    ]
                    for (key, value) in fields { if let value { object[key] = .string(value) } }
                    return .object(object)
                })
        }
        if let enterprise {
            var object = raw[SCIMSchema.enterpriseUser]?.objectMembersIfAny ?? [:]
            let fields: [(String, String?)] = [
                ("employeeNumber", enterprise.employeeNumber), ("costCenter", enterprise.costCenter),
                ("organization", enterprise.organization), ("division", enterprise.division),
                ("department", enterprise.department),
            ]
            for (key, value) in fields { if let value { object[key] = .string(value) } }
            members[SCIMSchema.enterpriseUser] = .object(object)
            if !schemas.contains(.string(SCIMSchema.enterpriseUser)) {
                schemas.append(.string(SCIMSchema.enterpriseUser))
            }
        } else if let kept = raw[SCIMSchema.enterpriseUser], case .object = kept {
            members[SCIMSchema.enterpriseUser] = kept
        }
        for name in Self.otherMembers where members[name] == nil { if let value = kept[name] { members[name] = value } }
        if let manager = kept["manager"] {
            var object = members[SCIMSchema.enterpriseUser]?.objectMembersIfAny ?? [:]
            object["manager"] = manager
            members[SCIMSchema.enterpriseUser] = .object(object)
        }
        // Every extension the resource carries is named in its schemas.
        for key in members.keys.sorted() where key.lowercased().hasPrefix("urn:") && !schemas.contains(.string(key)) {
            schemas.append(.string(key))
        }
        members["schemas"] = .array(schemas)
        return .object(members)
    }
}

extension JSONValue {
    /// An object's members; none for any other value.
    var objectMembersIfAny: [String: JSONValue] { if case .object(let members) = self { members } else { [:] } }
}
