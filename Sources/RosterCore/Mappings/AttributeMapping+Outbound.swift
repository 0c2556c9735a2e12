import Foundation
import SCIM

extension AttributeMapping {
    /// What provisioning writes for the outbound rules: each rule's value at its path, a missing
    /// value removed. Inbound rules write nothing back; `creating` includes the rules that write
    /// only when the account is created.
    public func operations(for user: DirectoryUser, creating: Bool) throws -> [PatchRequest.Operation] {
        try outbound.filter { creating || !$0.onlyOnCreate }.map { rule in
            try rule.outboundValue(for: user).map { PatchRequest.Operation(.replace, path: rule.source, value: $0) }
                ?? PatchRequest.Operation(.remove, path: rule.source)
        }
    }

    /// The value written for a directory attribute: a custom number or boolean as itself, the rest as text.
    static func json(of name: String, in user: DirectoryUser) -> JSONValue? {
        if DirectoryService.editableAttributes.contains(name) || ["email", "username"].contains(name) {
            return user.value(of: name).map(JSONValue.string)
        }
        return switch user.customValue(of: name) {
        case .number(let number)?: .number(number)
        case .boolean(let flag)?: .bool(flag)
        case .text(let text)?: .string(text)
        case nil: nil
        }
    }

    /// `resource` with the outbound rules' values written in (a POST or a PUT sends the whole user).
    /// On an update (`current`, the application's user), a rule that writes only on create keeps
    /// what the application holds at its path.
    public func written(into resource: JSONValue, for user: DirectoryUser, current: JSONValue? = nil) throws
        -> JSONValue
    {
        guard !outbound.isEmpty else { return resource }
        var result = resource
        for operation in try operations(for: user, creating: current == nil) {
            try apply(operation, to: &result)
        }
        for rule in outbound where rule.onlyOnCreate {
            guard let current, let path = try? rule.path(for: current) else { continue }
            let kept = path.values(in: current)
            let operation =
                kept.isEmpty
                ? PatchRequest.Operation(.remove, path: rule.source)
                : PatchRequest.Operation(.replace, path: rule.source, value: kept.count == 1 ? kept[0] : .array(kept))
            try apply(operation, to: &result)
        }
        return result
    }

    private func apply(_ operation: PatchRequest.Operation, to resource: inout JSONValue) throws {
        let extensions = Self.extensions(of: operation.path ?? "", resource: resource)
        let patch = try SCIMPatch(json: PatchRequest([operation]).json, core: SCIMSchema.user, extensions: extensions)
        do { try patch.apply(to: &resource, extensions: extensions) } catch let error as SCIMProtocolError
            where operation.op == .remove
        {
            _ = error  // Nothing to remove there: already as wanted.
        }
    }

    /// The operations that change what `current` holds at the outbound rules' paths into `user`'s
    /// values; rules that write only on create are left alone.
    public func changes(from current: JSONValue, for user: DirectoryUser) throws -> [PatchRequest.Operation] {
        try operations(for: user, creating: false).filter { operation in
            guard let text = operation.path,
                let path = try? SCIMPath(
                    parsing: text, core: SCIMSchema.user, extensions: Self.extensions(of: text, resource: current))
            else { return true }
            let now = path.values(in: current).compactMap(\.text)
            return operation.op == .remove ? !now.isEmpty : now != [operation.value?.text ?? ""]
        }
    }

    /// The extensions a path may name: the resource's, the enterprise one, and the URN the path starts with.
    static func extensions(of path: String, resource: JSONValue) -> [String] {
        var urns = (resource["schemas"]?.elements ?? []).compactMap(\.text) + [SCIMSchema.enterpriseUser]
        if path.lowercased().hasPrefix("urn:"), let colon = path.lastIndex(of: ":") {
            urns.append(String(path[..<colon]))
        }
        return Array(Set(urns).subtracting([SCIMSchema.user]))
    }
}
