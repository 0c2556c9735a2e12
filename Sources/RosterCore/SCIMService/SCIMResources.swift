import Foundation
import SCIM

/// Directory users and groups as the SCIM service shows them (RFC 7643 §4), and what a client's
/// resource means for a directory user (``SCIMResources/user(_:base:extras:)``, in SCIMUserResource.swift).
enum SCIMResources {
    /// `publicURL/scim/v2`, where `meta.location` points.
    static func location(_ base: String, _ type: String, _ id: UUID) -> String { "\(base)/\(type)/\(id.text)" }

    /// A group as SCIM shows it; `members` nil leaves them out (the answer does not include them,
    /// so they are not read: a group may have a hundred thousand).
    static func group(_ group: UserGroup, members: [UUID]?, base: String) -> JSONValue {
        var object: [String: JSONValue] = [
            "schemas": .array([.string(SCIMSchema.group)]), "id": .string(group.id.text),
            "displayName": .string(group.name),
        ]
        if let externalId = group.externalId { object["externalId"] = .string(externalId) }
        if let members, !members.isEmpty {
            object["members"] = .array(
                members.map { id in
                    .object([
                        "value": .string(id.text), "$ref": .string(location(base, "Users", id)),
                        "type": .string("User"),
                    ])
                })
        }
        object["meta"] = meta(
            "Group", location(base, "Groups", group.id), created: group.created, modified: group.updated,
            version: group.version)
        return .object(object)
    }

    /// `meta`, its version the stored one, which every write increments: the ETag a client's
    /// `If-Match` names, checked by the write itself.
    static func meta(_ type: String, _ location: String, created: Date, modified: Date, version: Int) -> JSONValue {
        .object([
            "resourceType": .string(type), "created": .string(timestamp(created)),
            "lastModified": .string(timestamp(max(created, modified))), "location": .string(location),
            "version": .string(etag(version)),
        ])
    }

    /// A stored version as an ETag: weak, since the representation may differ (RFC 7644 §3.14).
    static func etag(_ version: Int) -> String { "W/\"\(version)\"" }

    /// Throws 412 unless `ifMatch` is absent, `*`, or names `version` (weak or strong).
    static func checkVersion(_ ifMatch: String?, _ version: Int, _ what: String) throws {
        guard let ifMatch, ifMatch.trimmingCharacters(in: .whitespaces) != "*" else { return }
        let tags = ifMatch.split(separator: ",").map { tag in
            let trimmed = tag.trimmingCharacters(in: .whitespaces)
            return trimmed.hasPrefix("W/") ? String(trimmed.dropFirst(2)) : trimmed
        }
        guard tags.contains("\"\(version)\"") else {
            throw SCIMProtocolError(
                412, nil,
                "the \(what) has changed: its version is \(etag(version)), not \(ifMatch); nothing was written")
        }
    }

    static func timestamp(_ date: Date) -> String {
        Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(date)
    }

}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}

extension JSONValue {
    var objectMembers: [String: JSONValue] { if case .object(let members) = self { members } else { [:] } }
}
