import Foundation
import SCIM

extension AttributeMapping {
    /// What provisioning writes for the rules: each rule's directory attribute at its path (the
    /// value as the directory keeps it; transforms shape imports only), a missing value removed.
    public func operations(for user: DirectoryUser) -> [PatchRequest.Operation] {
        rules.map { rule in
            Self.json(of: rule.target, in: user).map { PatchRequest.Operation(.replace, path: rule.source, value: $0) }
                ?? PatchRequest.Operation(.remove, path: rule.source)
        }
    }

    /// The value written for a directory attribute: a custom number or boolean as itself, the rest as text.
    static func json(of name: String, in user: DirectoryUser) -> JSONValue? {
        if DirectoryService.editableAttributes.contains(name) { return user.value(of: name).map(JSONValue.string) }
        return switch user.customValue(of: name) {
        case .number(let number)?: .number(number)
        case .boolean(let flag)?: .bool(flag)
        case .text(let text)?: .string(text)
        case nil: nil
        }
    }

    /// `resource` with the rules' values written in (a PUT sends the whole user).
    public func written(into resource: JSONValue, for user: DirectoryUser) throws -> JSONValue {
        guard !rules.isEmpty else { return resource }
        var result = resource
        for operation in operations(for: user) {
            let extensions = Self.extensions(of: operation.path ?? "", resource: result)
            let patch = try SCIMPatch(
                json: PatchRequest([operation]).json, core: SCIMSchema.user, extensions: extensions)
            do { try patch.apply(to: &result, extensions: extensions) } catch let error as SCIMProtocolError
                where operation.op == .remove
            {
                _ = error  // Nothing to remove there: already as wanted.
            }
        }
        return result
    }

    /// The operations that change what `current` holds at the rules' paths into `user`'s values.
    public func changes(from current: JSONValue, for user: DirectoryUser) -> [PatchRequest.Operation] {
        operations(for: user).filter { operation in
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
