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

    /// Where the standard mapping would write a directory attribute that an inbound-only rule of
    /// this application computes from the application's own values (`employeeIdentifier` from the
    /// work email, uppercased): on an update the application keeps what it holds there, so a
    /// transformed value never goes back to it.
    public var inboundOnlyPaths: [String] {
        rules.filter { $0.readsIn && !$0.writesOut }.compactMap { UserMapping.scimPath(of: $0.target) }
    }

    /// Whether writing the user needs what the application holds first (an update keeps some paths).
    public var keepsApplicationValues: Bool {
        outbound.contains(where: \.onlyOnCreate) || !inboundOnlyPaths.isEmpty
    }

    /// `resource` with the outbound rules' values written in (a POST or a PUT sends the whole user).
    /// On an update (`current`, the application's user), a rule that writes only on create, and the
    /// paths of ``inboundOnlyPaths``, keep what the application holds there.
    public func written(into resource: JSONValue, for user: DirectoryUser, current: JSONValue? = nil) throws
        -> JSONValue
    {
        var result = resource
        for operation in try operations(for: user, creating: current == nil) {
            try apply(operation, to: &result)
        }
        guard let current else { return result }
        for path in outbound.filter(\.onlyOnCreate).map(\.source) + inboundOnlyPaths {
            guard
                let parsed = try? SCIMPath(
                    parsing: path, core: SCIMSchema.user, extensions: Self.extensions(of: path, resource: current))
            else { continue }
            let kept = parsed.values(in: current)
            let operation =
                kept.isEmpty
                ? PatchRequest.Operation(.remove, path: path)
                : PatchRequest.Operation(.replace, path: path, value: kept.count == 1 ? kept[0] : .array(kept))
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
