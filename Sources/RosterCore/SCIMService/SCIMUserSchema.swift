import SCIM

/// The User schema Roster's SCIM service publishes (RFC 7643 §4.1, §4.3, §8.7.1): every core and
/// enterprise attribute, each kept as it is written, and Roster's extension for the custom attributes.
extension SCIMServiceDocuments {
    /// A multi-valued attribute's usual sub-attributes (RFC 7643 §2.4), `value` of `valueType`.
    static func multi(
        _ name: String, _ valueType: String = "string", types: [String], references: [String] = [],
        required: Bool = false, description: String
    ) -> JSONValue {
        attribute(
            name, type: "complex", multiValued: true, required: required,
            sub: [
                attribute(
                    "value", type: valueType, required: required, references: references, description: "The value"),
                attribute("display", description: "A name for display"),
                attribute("type", canonical: types, description: "What the value is for"),
                attribute("primary", type: "boolean", description: "The preferred value"),
            ], description: description)
    }

    static let userAttributes: [JSONValue] = [
        attribute(
            "userName", required: true, uniqueness: "server",
            description: "Unique among the directory's users, compared case-insensitively"),
        attribute(
            "name", type: "complex",
            sub: [
                attribute("formatted", description: "The full name, as displayed"),
                attribute("familyName", description: "Roster's lastname"),
                attribute("givenName", description: "Roster's firstname"),
                attribute("middleName", description: "Roster's middlename"),
                attribute("honorificPrefix", description: "Ms., Dr."),
                attribute("honorificSuffix", description: "III, PhD"),
            ], description: "The person's name"),
        attribute("displayName", description: "Roster's displayname"),
        attribute("nickName", description: "A casual name"),
        attribute("profileUrl", type: "reference", references: ["external"], description: "A profile page"),
        attribute("title", description: "Roster's jobTitle"),
        attribute("userType", description: "Roster's employeeType"),
        attribute("preferredLanguage", description: "As HTTP's Accept-Language: en-US"),
        attribute("locale", description: "For dates and numbers: en-US"),
        attribute("timezone", description: "An IANA time zone: Europe/Oslo"),
        attribute(
            "active", type: "boolean",
            description: "true: active; false: suspended (deprovisioned from applications); unassigned: staged"),
        attribute(
            "password", mutability: "writeOnly", returned: "never",
            description: "Checked by the directory's password rules; never returned"),
        multi(
            "emails", types: ["work", "home", "other"], required: true,
            description: "Every email; the directory's own is the primary one, else the work one, else the first"),
        multi(
            "phoneNumbers", types: ["work", "home", "mobile", "fax", "pager", "other"],
            description: "Every number; the work and home ones are SPEC's phoneNumbers"),
        multi(
            "ims", types: ["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"],
            description: "Instant messaging addresses"),
        multi(
            "photos", "reference", types: ["photo", "thumbnail"], references: ["external"],
            description: "Photos of the person"),
        attribute(
            "addresses", type: "complex", multiValued: true,
            sub: [
                attribute("formatted", description: "The full address, as displayed"),
                attribute("streetAddress", description: "Street"),
                attribute("locality", description: "City"),
                attribute("region", description: "State or region"),
                attribute("postalCode", description: "Postal code"),
                attribute("country", description: "Country"),
                attribute("type", canonical: ["work", "home", "other"], description: "What the address is for"),
                attribute("primary", type: "boolean", description: "The preferred address"),
            ], description: "Every address; the work and home ones are SPEC's addresses"),
        attribute(
            "groups", type: "complex", multiValued: true, mutability: "readOnly",
            sub: [
                attribute("value", mutability: "readOnly", description: "The group's id"),
                attribute(
                    "$ref", type: "reference", mutability: "readOnly", references: ["Group"],
                    description: "The group's URI"),
                attribute("display", mutability: "readOnly", description: "The group's name"),
                attribute(
                    "type", mutability: "readOnly", canonical: ["direct"], description: "Roster's groups hold users"),
            ], description: "The groups the user is a member of; changed through the groups"),
        multi("entitlements", types: [], description: "What the person is entitled to"),
        multi("roles", types: [], description: "The person's roles"),
        multi("x509Certificates", "binary", types: [], description: "Certificates, DER in base64"),
    ]

    static let enterpriseAttributes: [JSONValue] = [
        attribute("employeeNumber", description: "Roster's employeeIdentifier"),
        attribute("costCenter", description: "Roster's costCenter"),
        attribute("organization", description: "Roster's organization"),
        attribute("division", description: "A division"),
        attribute("department", description: "Roster's department"),
        attribute(
            "manager", type: "complex",
            sub: [
                attribute("value", description: "The manager's id"),
                attribute(
                    "$ref", type: "reference", references: ["User"], description: "The manager's URI"),
                attribute("displayName", mutability: "readOnly", description: "The manager's name"),
            ], description: "The person's manager: a directory user, shown as a link"),
    ]

    /// Roster's extension: the custom attributes declared with `roster attribute declare`.
    static func customAttributes(_ declared: [CustomAttribute]) -> [JSONValue] {
        declared.map { attribute in
            let type =
                switch attribute.type {
                case .string, .date: "string"
                case .number: "decimal"
                case .boolean: "boolean"
                }
            return Self.attribute(
                attribute.name, type: type,
                description: attribute.description ?? "A custom attribute (\(attribute.type.rawValue))")
        }
    }
}
