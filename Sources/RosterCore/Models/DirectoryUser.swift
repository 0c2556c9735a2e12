import Foundation

/// A person in the directory, with the attributes SPEC.md maps from SCIM.
public struct DirectoryUser: Sendable, Hashable, Codable {
    public enum State: String, Sendable, Codable, CaseIterable { case staged, active, suspended }
    public enum PasswordStatus: String, Sendable, Codable { case pending, set }

    public struct Address: Sendable, Hashable, Codable {
        public var type: String
        public var streetAddress: String?
        public var locality: String?
        public var region: String?
        public var postalCode: String?
        public var country: String?
        public var poBox: String?
        public init(
            type: String, streetAddress: String? = nil, locality: String? = nil, region: String? = nil,
            postalCode: String? = nil, country: String? = nil, poBox: String? = nil
        ) {
            self.type = type
            self.streetAddress = streetAddress
            self.locality = locality
            self.region = region
            self.postalCode = postalCode
            self.country = country
            self.poBox = poBox
        }
    }

    public struct PhoneNumber: Sendable, Hashable, Codable {
        public var type: String
        public var number: String
        public init(type: String, number: String) {
            self.type = type
            self.number = number
        }
    }

    /// How the user came to be in the directory.
    public struct Source: Sendable, Hashable, Codable {
        public enum Kind: String, Sendable, Codable { case manual, api, `import` }
        public var type: Kind
        public var applicationId: UUID?
        public var importJobId: UUID?
        /// The user's id in the application it was imported from.
        public var remoteId: String?
        public init(type: Kind, applicationId: UUID? = nil, importJobId: UUID? = nil, remoteId: String? = nil) {
            self.type = type
            self.applicationId = applicationId
            self.importJobId = importJobId
            self.remoteId = remoteId
        }
    }

    public var id: UUID
    public var email: String
    public var username: String
    public var firstname: String?
    public var lastname: String?
    public var middlename: String?
    public var displayname: String?
    public var addresses: [Address]
    public var jobTitle: String?
    public var department: String?
    public var phoneNumbers: [PhoneNumber]
    public var costCenter: String?
    public var employeeType: String?
    public var employeeIdentifier: String?
    public var organization: String?
    public var state: State
    public var passwordStatus: PasswordStatus
    public var source: Source
    public var created: Date
    public var updated: Date
    /// The id a SCIM client gave the user (RFC 7643 §3.1), compared case-exactly.
    public var externalId: String?
    /// When a SCIM client deleted the user while the directory keeps it suspended: from then on
    /// the SCIM service answers as if it were gone (RFC 7644 §3.6).
    public var scimDeleted: Date?
    /// The values of the declared ``CustomAttribute``s this user has, by the attribute's name.
    public var custom: [String: CustomValue]
    /// Incremented by every write of the user: a write that names the version it read changes the
    /// user only while it still has it (SCIM's `If-Match`, the portal's forms, the API).
    public var version: Int
    /// The rest of the user as its SCIM client or application sent it: every email and phone number,
    /// the manager, `preferredLanguage`, `locale`, `timezone`, …
    public var profile: UserProfile

    public init(
        id: UUID = UUID.timeOrdered(), email: String, username: String, firstname: String? = nil,
        lastname: String? = nil,
        middlename: String? = nil, displayname: String? = nil, addresses: [Address] = [], jobTitle: String? = nil,
        department: String? = nil, phoneNumbers: [PhoneNumber] = [], costCenter: String? = nil,
        employeeType: String? = nil, employeeIdentifier: String? = nil, organization: String? = nil,
        state: State = .active, passwordStatus: PasswordStatus = .pending, source: Source = .init(type: .manual),
        created: Date = Date(), updated: Date = Date(), externalId: String? = nil, scimDeleted: Date? = nil,
        custom: [String: CustomValue] = [:], version: Int = 1, profile: UserProfile = UserProfile()
    ) {
        self.profile = profile
        self.version = version
        self.custom = custom
        self.externalId = externalId
        self.scimDeleted = scimDeleted
        self.id = id
        self.email = email
        self.username = username
        self.firstname = firstname
        self.lastname = lastname
        self.middlename = middlename
        self.displayname = displayname
        self.addresses = addresses
        self.jobTitle = jobTitle
        self.department = department
        self.phoneNumbers = phoneNumbers
        self.costCenter = costCenter
        self.employeeType = employeeType
        self.employeeIdentifier = employeeIdentifier
        self.organization = organization
        self.state = state
        self.passwordStatus = passwordStatus
        self.source = source
        self.created = created
        self.updated = updated
    }

    /// A name for lists and audit records.
    public var label: String {
        displayname ?? [firstname, lastname].compactMap { $0 }.joined(separator: " ").nonEmpty ?? email
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}

extension DirectoryUser {
    /// Sets an attribute an administrator (or a mapping) may set by name (``DirectoryService/editableAttributes``),
    /// or one of the declared custom `attributes`, its value read as the attribute's type.
    public mutating func set(_ name: String, to value: String?, attributes: CustomAttributes = .none) throws {
        switch name {
        case "firstname": firstname = value
        case "lastname": lastname = value
        case "middlename": middlename = value
        case "displayname": displayname = value
        case "jobTitle": jobTitle = value
        case "department": department = value
        case "costCenter": costCenter = value
        case "employeeType": employeeType = value
        case "employeeIdentifier": employeeIdentifier = value
        case "organization": organization = value
        default:
            guard let attribute = attributes[name] else {
                let names = (DirectoryService.editableAttributes + attributes.all.map(\.name)).joined(separator: ", ")
                throw RosterError.invalid("\"\(name)\" is not an attribute that can be set; use one of \(names)")
            }
            custom[attribute.name] = try value.map(attribute.parse)
        }
    }
}

extension DirectoryUser {
    /// The value of an attribute settable by name (``set(_:to:attributes:)``), as text.
    public func value(of name: String) -> String? {
        switch name {
        case "email": email
        case "username": username
        case "firstname": firstname
        case "lastname": lastname
        case "middlename": middlename
        case "displayname": displayname
        case "jobTitle": jobTitle
        case "department": department
        case "costCenter": costCenter
        case "employeeType": employeeType
        case "employeeIdentifier": employeeIdentifier
        case "organization": organization
        case "manager": profile.manager?.value
        case _ where UserProfile.readable.contains(name): profile.text(name)
        default: customValue(of: name)?.text
        }
    }
}

extension DirectoryUser {
    /// The custom attribute's value, its name matched whatever its case.
    public func customValue(of name: String) -> CustomValue? {
        custom[name] ?? custom.first { $0.key.caseInsensitiveCompare(name) == .orderedSame }?.value
    }
}
