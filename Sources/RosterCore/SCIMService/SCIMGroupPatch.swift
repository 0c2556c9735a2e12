import Foundation
import SCIM

/// What a PATCH of a group changes, read from its operations without the group: its name, its
/// externalId, and which members come and go (or the whole set, for a `replace`). Adding one
/// member to a group of a hundred thousand is then one row, whatever else changes the group.
///
/// The forms identity providers send are all read here: `add`/`replace` of `members` with a
/// list, `remove` with `members[value eq "id"]`, Microsoft Entra ID's `remove` of `members` with
/// the members as its value, and operations without a path. Anything else (a member's
/// sub-attribute, another filter) is applied to the group as a whole (``SCIMGroups``).
struct SCIMGroupPatch: Sendable {
    var name: String?
    /// `.some(nil)`: removed.
    var externalId: String??
    /// Member ids (as sent) replacing every member.
    var replaced: [String]?
    var added: [String] = []
    var removed: [String] = []

    /// Nil when an operation needs the whole group.
    init?(_ patch: SCIMPatch) throws {
        for operation in patch.operations {
            guard let path = operation.path else {
                guard case .object(let members)? = operation.value else { return nil }
                for (key, value) in members {
                    switch key.lowercased() {
                    case "schemas": continue
                    case "displayname": if !setName(value) { return nil }
                    case "externalid": externalId = .some(value.text.flatMap { $0.isEmpty ? nil : $0 })
                    case "members":
                        let ids = try Self.memberIds(value)
                        operation.op == .replace ? replace(ids) : add(ids)
                    default: return nil
                    }
                }
                continue
            }
            guard path.schema == nil, let attribute = path.attribute?.lowercased(), path.subAttribute == nil else {
                return nil
            }
            switch (attribute, operation.op) {
            case ("displayname", .add), ("displayname", .replace):
                guard path.filter == nil, let value = operation.value, setName(value) else { return nil }
            case ("externalid", _):
                guard path.filter == nil else { return nil }
                externalId = .some(
                    operation.op == .remove ? nil : operation.value?.text.flatMap { $0.isEmpty ? nil : $0 })
            case ("members", .add) where path.filter == nil:
                add(try Self.memberIds(operation.value ?? .null))
            case ("members", .replace) where path.filter == nil:
                replace(try Self.memberIds(operation.value ?? .null))
            case ("members", .remove) where path.filter == nil:
                // Entra ID names the members to remove in the value; without one, every member goes.
                if let value = operation.value, !value.isNull { remove(try Self.memberIds(value)) } else { replace([]) }
            case ("members", .remove):
                guard let filter = path.filter, let ids = Self.valueEquals(filter) else { return nil }
                remove(ids)
            default:
                return nil
            }
        }
    }

    private mutating func setName(_ value: JSONValue) -> Bool {
        guard let text = value.text else { return false }
        name = text
        return true
    }

    private mutating func add(_ ids: [String]) {
        if replaced != nil {
            replaced = (replaced ?? []) + ids
        } else {
            added += ids
            removed.removeAll { ids.contains($0) }
        }
    }

    private mutating func remove(_ ids: [String]) {
        if replaced != nil {
            replaced?.removeAll { ids.contains($0) }
        } else {
            removed += ids
            added.removeAll { ids.contains($0) }
        }
    }

    private mutating func replace(_ ids: [String]) {
        replaced = ids
        added = []
        removed = []
    }

    /// `value eq "a"`, or several joined by `or`: the ids named; nil for any other filter.
    static func valueEquals(_ filter: SCIMFilter) -> [String]? {
        switch filter {
        case .compare(let path, .eq, let value)
        where path.schema == nil && path.name.lowercased() == "value" && path.subAttribute == nil:
            return value.text.map { [$0] }
        case .or(let a, let b):
            guard let left = valueEquals(a), let right = valueEquals(b) else { return nil }
            return left + right
        default:
            return nil
        }
    }

    /// The member ids of a value: a list (or one) of `{"value": id}` or bare ids; a member of
    /// another type than User is refused.
    static func memberIds(_ value: JSONValue) throws -> [String] {
        let items: [JSONValue] = if case .array(let list) = value { list } else { value.isNull ? [] : [value] }
        return try items.map { member in
            guard let id = member["value"]?.text ?? member.text else {
                throw SCIMProtocolError.badRequest(.invalidValue, "a member has no value (the user's id)")
            }
            if let type = member["type"]?.text, type.lowercased() != "user" {
                throw SCIMProtocolError.badRequest(
                    .invalidValue, "member \(id) is a \(type); Roster's groups hold users")
            }
            return id
        }
    }
}
