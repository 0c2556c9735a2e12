import Foundation
import SCIM

/// What a user resource holds besides the directory user: its groups (read-only, RFC 7643 §4.1.2)
/// and the declared custom attributes, for Roster's extension.
struct SCIMUserExtras: Sendable {
    /// Nil leaves `groups` out (a list does not read every user's groups).
    var groups: [UserGroup]?
    var attributes: CustomAttributes = .none
}

extension SCIMResources {
    /// Roster's extension schema: the declared custom attributes, by name.
    static let customSchema = "urn:roster:params:scim:schemas:extension:custom:2.0:User"

    /// A directory user as SCIM shows it: SPEC's attributes (the mapping of import, read the other
    /// way) and the profile as the client or application sent it, so what a client writes it reads back.
    static func user(_ user: DirectoryUser, base: String, extras: SCIMUserExtras = .init()) -> JSONValue {
        let remote = UserMapping.scimUser(user, active: user.state == .active)
        guard case .object(var members) = remote.json else { return .null }
        let profile = user.profile
        members["id"] = .string(user.id.text)
        // The client's externalId (provisioning's is the directory's id; not here).
        members["externalId"] = user.externalId.map(JSONValue.string)
        // A staged user is neither active nor suspended: `active` is unassigned.
        if user.state == .staged { members["active"] = nil }
        // The name: SPEC's parts as the directory has them now, with what else the client sent.
        var name = profile["name"]?.objectMembers ?? [:]
        for key in ["givenName", "familyName", "middleName"] { name[key] = nil }
        name.merge(members["name"]?.objectMembers ?? [:]) { _, typed in typed }
        members["name"] = name.isEmpty ? nil : .object(name)
        // Every email, number and address as sent, while the directory still holds what they say.
        let sent = UserMapping.sentEntries(user)
        members["emails"] = sent.emails
        members["phoneNumbers"] = sent.phoneNumbers.elements.isEmpty ? nil : sent.phoneNumbers
        members["addresses"] = sent.addresses.elements.isEmpty ? nil : sent.addresses
        for key in SCIMUser.otherMembers { members[key] = profile[key] }
        var enterprise = members[SCIMSchema.enterpriseUser]?.objectMembers ?? [:]
        enterprise["division"] = profile["division"]
        enterprise["manager"] = profile["manager"]
        members[SCIMSchema.enterpriseUser] = enterprise.isEmpty ? nil : .object(enterprise)
        if let groups = extras.groups, !groups.isEmpty {
            members["groups"] = .array(
                groups.map { group in
                    .object([
                        "value": .string(group.id.text), "$ref": .string(location(base, "Groups", group.id)),
                        "display": .string(group.name), "type": .string("direct"),
                    ])
                })
        }
        if !user.custom.isEmpty {
            members[customSchema] = .object(user.custom.mapValues(\.json))
        }
        var schemas: [JSONValue] = [.string(SCIMSchema.user)]
        if members[SCIMSchema.enterpriseUser] != nil { schemas.append(.string(SCIMSchema.enterpriseUser)) }
        if members[customSchema] != nil { schemas.append(.string(customSchema)) }
        members["schemas"] = .array(schemas)
        members["meta"] = meta(
            "User", location(base, "Users", user.id), created: user.created, modified: user.updated,
            version: user.version)
        return .object(members)
    }

    /// Sets `user`'s attributes from a client's resource, exactly as import maps an application's
    /// user, and keeps the rest of it (the profile); `active` absent leaves the state to `absentActive`.
    /// Roster's extension, when sent, replaces the custom values; absent, it leaves them, unless
    /// `whole` (a PATCH's result, which held them all before its operations).
    static func read(
        _ json: JSONValue, into user: inout DirectoryUser, absentActive: DirectoryUser.State,
        attributes: CustomAttributes = .none, whole: Bool = false
    ) throws {
        guard case .object = json else {
            throw SCIMProtocolError.badRequest(.invalidSyntax, "the resource is not a JSON object")
        }
        var remote = SCIMUser(json: json)
        guard let userName = remote.userName, !userName.isEmpty else {
            throw SCIMProtocolError.badRequest(.invalidValue, "userName is required")
        }
        // Microsoft Entra ID sets a manager by its bare id: kept as the object it stands for.
        if let manager = remote.kept["manager"], case .string(let id) = manager {
            remote.kept["manager"] = .object(["value": .string(id)])
        }
        if let failure = UserMapping.fill(&user, from: remote) {
            throw SCIMProtocolError.badRequest(.invalidValue, failure.description)
        }
        user.externalId = remote.externalId.flatMap { $0.isEmpty ? nil : $0 }
        if let externalId = user.externalId, let problem = UserMapping.identifierProblem(externalId) {
            throw SCIMProtocolError.badRequest(.invalidValue, "externalId \(problem)")
        }
        if let active = json["active"], !active.isNull {
            guard let flag = active.bool else {
                throw SCIMProtocolError.badRequest(
                    .invalidValue, "active is \(active.text ?? "not a boolean"): send true or false")
            }
            user.state = flag ? .active : .suspended
        } else {
            user.state = absentActive
        }
        if let sent = json[customSchema] {
            user.custom = try customValues(sent, attributes)
        } else if whole {
            user.custom = [:]
        }
    }

    /// Roster's extension as a client sent it: each member a declared custom attribute, its value
    /// read as the attribute's type.
    static func customValues(_ sent: JSONValue, _ attributes: CustomAttributes) throws -> [String: CustomValue] {
        guard case .object(let members) = sent else {
            if sent.isNull { return [:] }
            throw SCIMProtocolError.badRequest(.invalidValue, "\(customSchema) is an object of custom attributes")
        }
        var values: [String: CustomValue] = [:]
        for (name, value) in members where !value.isNull && name.lowercased() != "schemas" {
            guard let attribute = attributes[name] else {
                let declared = attributes.all.map(\.name).joined(separator: ", ")
                throw SCIMProtocolError.badRequest(
                    .invalidValue,
                    "\(name) is not a custom attribute of this directory"
                        + (declared.isEmpty ? " (none is declared)" : "; declared: \(declared)"))
            }
            guard let text = value.text else {
                throw SCIMProtocolError.badRequest(.invalidValue, "\(name) holds one value, not \(value.kind)")
            }
            do { values[attribute.name] = try attribute.parse(text) } catch let error as RosterError {
                throw SCIMProtocolError.badRequest(.invalidValue, error.description)
            }
        }
        return values
    }
}

extension CustomValue {
    /// The value as JSON: numbers and booleans as themselves.
    var json: JSONValue {
        switch self {
        case .text(let text): .string(text)
        case .number(let number): .number(number)
        case .boolean(let flag): .bool(flag)
        }
    }
}
