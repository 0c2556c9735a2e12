import SCIM

/// The discovery documents (RFC 7643 §5–§7, RFC 7644 §4): what Roster's SCIM service supports,
/// and the attributes it keeps. Only what the directory holds is published, so a client that
/// writes an attribute reads it back unchanged.
public enum SCIMServiceDocuments {
    static let spcSchema = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
    static let resourceTypeSchema = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
    static let schemaSchema = "urn:ietf:params:scim:schemas:core:2.0:Schema"
    /// The largest request body the SCIM service reads (Bulk is not offered; no resource needs more).
    public static let maxBody = 1 << 20

    public static func serviceProviderConfig(base: String) -> JSONValue {
        .object([
            "schemas": .array([.string(spcSchema)]),
            // RFC 7643 §5 has no member for the body and filter limits, and its schema allows no other:
            // the README's "Receiving users over SCIM" states them.
            "patch": .object(["supported": .bool(true)]),
            "bulk": .object(["supported": .bool(false), "maxOperations": .number(0), "maxPayloadSize": .number(0)]),
            "filter": .object(["supported": .bool(true), "maxResults": .number(Double(SCIMListQuery.maxResults))]),
            "changePassword": .object(["supported": .bool(true)]),
            "sort": .object(["supported": .bool(true)]),
            "etag": .object(["supported": .bool(true)]),
            "pagination": .object([
                "cursor": .bool(true), "index": .bool(true), "defaultPaginationMethod": .string("index"),
                "defaultPageSize": .number(Double(SCIMListQuery.defaultCount)),
                "maxPageSize": .number(Double(SCIMListQuery.maxResults)),
            ]),
            "authenticationSchemes": .array([
                .object([
                    "type": .string("oauthbearertoken"), "name": .string("Roster API key"),
                    "description": .string(
                        "Authorization: Bearer with a key from `roster apikey create`; readonly keys may only read"),
                    "primary": .bool(true),
                ])
            ]),
            "meta": .object([
                "resourceType": .string("ServiceProviderConfig"), "location": .string("\(base)/ServiceProviderConfig"),
            ]),
        ])
    }

    /// The resource types; Roster's extension is the User's once a custom attribute is declared.
    public static func resourceTypes(base: String, custom: [CustomAttribute] = []) -> [JSONValue] {
        [
            resourceType(
                "User", endpoint: "/Users", schema: SCIMSchema.user,
                extensions: [SCIMSchema.enterpriseUser] + (custom.isEmpty ? [] : [SCIMResources.customSchema]),
                base: base),
            resourceType("Group", endpoint: "/Groups", schema: SCIMSchema.group, extensions: [], base: base),
        ]
    }

    static func resourceType(_ name: String, endpoint: String, schema: String, extensions: [String], base: String)
        -> JSONValue
    {
        var object: [String: JSONValue] = [
            "schemas": .array([.string(resourceTypeSchema)]), "id": .string(name), "name": .string(name),
            "endpoint": .string(endpoint), "description": .string("Directory \(name.lowercased())s"),
            "schema": .string(schema),
            "meta": .object([
                "resourceType": .string("ResourceType"), "location": .string("\(base)/ResourceTypes/\(name)"),
            ]),
        ]
        if !extensions.isEmpty {
            object["schemaExtensions"] = .array(
                extensions.map { .object(["schema": .string($0), "required": .bool(false)]) })
        }
        return .object(object)
    }

    /// The schemas, Roster's extension with the custom attributes declared now.
    public static func schemas(base: String, custom: [CustomAttribute] = []) -> [JSONValue] {
        [
            schema(SCIMSchema.user, "User", userAttributes, base: base),
            schema(SCIMSchema.enterpriseUser, "EnterpriseUser", enterpriseAttributes, base: base),
        ]
            + (custom.isEmpty
                ? [] : [schema(SCIMResources.customSchema, "RosterUser", customAttributes(custom), base: base)])
            + [schema(SCIMSchema.group, "Group", groupAttributes, base: base)]
    }

    static func schema(_ id: String, _ name: String, _ attributes: [JSONValue], base: String) -> JSONValue {
        .object([
            "schemas": .array([.string(schemaSchema)]), "id": .string(id), "name": .string(name),
            "description": .string("\(name) as Roster's directory keeps it"), "attributes": .array(attributes),
            "meta": .object(["resourceType": .string("Schema"), "location": .string("\(base)/Schemas/\(id)")]),
        ])
    }

    static func attribute(
        _ name: String, type: String = "string", multiValued: Bool = false, required: Bool = false,
        caseExact: Bool = false, mutability: String = "readWrite", returned: String = "default",
        uniqueness: String = "none", canonical: [String] = [], references: [String] = [], sub: [JSONValue] = [],
        description: String
    ) -> JSONValue {
        var object: [String: JSONValue] = [
            "name": .string(name), "type": .string(type), "multiValued": .bool(multiValued),
            "description": .string(description), "required": .bool(required), "caseExact": .bool(caseExact),
            "mutability": .string(mutability), "returned": .string(returned), "uniqueness": .string(uniqueness),
        ]
        if !canonical.isEmpty { object["canonicalValues"] = .array(canonical.map { .string($0) }) }
        if !references.isEmpty { object["referenceTypes"] = .array(references.map { .string($0) }) }
        if type == "complex" { object["subAttributes"] = .array(sub) }
        return .object(object)
    }

    static let groupAttributes: [JSONValue] = [
        attribute(
            "displayName", required: true, uniqueness: "server",
            description: "The group's name, unique case-insensitively"),
        attribute(
            "members", type: "complex", multiValued: true,
            sub: [
                attribute("value", mutability: "immutable", description: "The member's user id"),
                attribute(
                    "$ref", type: "reference", mutability: "immutable", references: ["User"],
                    description: "The member's URI"),
                attribute("type", mutability: "immutable", canonical: ["User"], description: "Members are users"),
            ], description: "The group's users"),
    ]
}
