/// A PATCH request (RFC 7644 §3.5.2), read tolerantly and applied to a resource's JSON.
///
/// Real clients differ: Microsoft Entra ID capitalises op names (`"Replace"`), sends booleans as
/// `"True"`, replaces without a path, and removes group members by listing them in `value`
/// (https://learn.microsoft.com/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups).
/// Those forms are accepted; what the RFC defines keeps its meaning.
public struct SCIMPatch: Sendable {
    public enum Op: String, Sendable { case add, remove, replace }

    public struct Operation: Sendable {
        public var op: Op
        public var path: SCIMPath?
        public var value: JSONValue?
    }

    public var operations: [Operation]
    /// Attributes no operation may change, in any resource.
    static let readOnly: Set<String> = ["id", "meta"]

    public init(json: JSONValue, core: String, extensions: [String]) throws {
        guard case .object = json else {
            throw SCIMProtocolError.badRequest(.invalidSyntax, "the body is not a JSON object")
        }
        if let schemas = json["schemas"]?.elements.compactMap(\.text),
            !schemas.contains(where: { $0.lowercased() == SCIMSchema.patchOp.lowercased() })
        {
            throw SCIMProtocolError.badRequest(.invalidSyntax, "a PATCH body has the schema \(SCIMSchema.patchOp)")
        }
        guard let list = json["Operations"], case .array(let entries) = list, !entries.isEmpty else {
            throw SCIMProtocolError.badRequest(.invalidSyntax, "a PATCH body has a non-empty \"Operations\" list")
        }
        operations = try entries.enumerated().map { index, entry in
            let number = index + 1
            guard let name = entry["op"]?.text, let op = Op(rawValue: name.lowercased()) else {
                throw SCIMProtocolError.badRequest(
                    .invalidSyntax, "operation \(number) has no op, or one other than add, remove and replace")
            }
            var path: SCIMPath?
            if let text = entry["path"]?.text, !text.isEmpty {
                path = try SCIMPath(parsing: text, core: core, extensions: extensions)
            }
            let value = entry["value"]
            if op != .remove, value == nil {
                throw SCIMProtocolError.badRequest(.invalidValue, "operation \(number) (\(op.rawValue)) has no value")
            }
            if op == .remove, path == nil {
                throw SCIMProtocolError.badRequest(.noTarget, "operation \(number) removes without a path")
            }
            return Operation(op: op, path: path, value: value)
        }
    }

    /// Applies every operation in order; `resource` is changed only if all succeed. `readOnly` names
    /// the resource's own read-only attributes (a user's `groups`), refused as `id` and `meta` are.
    public func apply(to resource: inout JSONValue, extensions: [String], readOnly: Set<String> = []) throws {
        guard case .object(var root) = resource else { return }
        let readOnly = Self.readOnly.union(readOnly.map { $0.lowercased() })
        for operation in operations {
            if let path = operation.path {
                try Self.apply(operation.op, path, operation.value, to: &root, readOnly: readOnly)
            } else {
                guard case .object(let members) = operation.value else {
                    throw SCIMProtocolError.badRequest(
                        .invalidValue, "an \(operation.op.rawValue) without a path takes an object of attributes")
                }
                for (key, value) in members.sorted(by: { $0.key < $1.key }) {
                    if key.lowercased() == "schemas" { continue }
                    if let urn = extensions.first(where: { $0.lowercased() == key.lowercased() }),
                        case .object(let inner) = value
                    {
                        for (name, innerValue) in inner {
                            try Self.apply(
                                operation.op, SCIMPath(schema: urn, attribute: name), innerValue, to: &root,
                                readOnly: readOnly)
                        }
                    } else {
                        let path = try SCIMPath(parsing: key, core: Self.core(of: root), extensions: extensions)
                        try Self.apply(operation.op, path, value, to: &root, readOnly: readOnly)
                    }
                }
            }
        }
        resource = .object(root)
    }

    /// The last value the operations add or replace at the core attribute `name` (with a path, or
    /// as a member of a value without one); nil when none does.
    public func assigned(_ name: String) -> JSONValue? {
        var found: JSONValue?
        for operation in operations where operation.op != .remove {
            if let path = operation.path {
                if path.schema == nil, path.filter == nil, path.subAttribute == nil,
                    path.attribute?.lowercased() == name.lowercased()
                {
                    found = operation.value
                }
            } else if case .object(let members)? = operation.value,
                let value = members.first(where: { $0.key.lowercased() == name.lowercased() })?.value
            {
                found = value
            }
        }
        return found
    }

    static func core(of root: [String: JSONValue]) -> String {
        root["schemas"]?.elements.first?.text ?? SCIMSchema.user
    }

    static func apply(
        _ op: Op, _ path: SCIMPath, _ value: JSONValue?, to root: inout [String: JSONValue],
        readOnly: Set<String> = readOnly
    ) throws {
        if let name = path.attribute, path.schema == nil, readOnly.contains(name.lowercased()) {
            // A client may send the id back unchanged (a full resource as a value); it may not change it.
            if let value, let current = root[key(name, in: root)], current == value { return }
            throw SCIMProtocolError.badRequest(.mutability, "\(name) is read-only")
        }
        guard let schema = path.schema else {
            try apply(op, path, value, container: &root)
            return
        }
        let extensionKey = key(schema, in: root)
        guard let attribute = path.attribute else {
            switch op {
            case .remove: root[extensionKey] = nil
            case .add, .replace:
                guard case .object(let members) = value else {
                    throw SCIMProtocolError.badRequest(.invalidValue, "\(schema) takes an object")
                }
                for (name, inner) in members {
                    try apply(op, SCIMPath(schema: schema, attribute: name), inner, to: &root)
                }
            }
            return
        }
        var container: [String: JSONValue] = if case .object(let c) = root[extensionKey] { c } else { [:] }
        try apply(
            op, SCIMPath(attribute: attribute, filter: path.filter, subAttribute: path.subAttribute), value,
            container: &container)
        root[extensionKey] = container.isEmpty ? nil : .object(container)
    }

    /// The key `name` already has in `object` (attribute names are case-insensitive), or `name`.
    static func key(_ name: String, in object: [String: JSONValue]) -> String {
        if object[name] != nil { return name }
        return object.keys.first { $0.lowercased() == name.lowercased() } ?? name
    }

    private static func apply(
        _ op: Op, _ path: SCIMPath, _ value: JSONValue?, container: inout [String: JSONValue]
    ) throws {
        let attribute = key(path.attribute ?? "", in: container)
        let current = container[attribute]
        // A null value, or an empty list, unassigns (RFC 7644 §3.5.2.3 lets replace clear).
        let value: JSONValue? = if let value, value.isNull { nil } else { value }
        if let filter = path.filter {
            container[attribute] = try applyFiltered(op, filter, path.subAttribute, value, current?.elements ?? [])
        } else if let sub = path.subAttribute {
            container[attribute] = try applySub(op, sub, value, to: current)
        } else {
            switch op {
            case .remove:
                if let listed = value?.elements, !listed.isEmpty, case .array(let items) = current {
                    // Entra: remove just the listed members, by value.
                    let values = Set(listed.compactMap { $0["value"]?.text ?? $0.text })
                    container[attribute] = orNil(.array(items.filter { !values.contains($0["value"]?.text ?? "") }))
                } else {
                    container[attribute] = nil
                }
            case .add:
                guard let value else { return }
                if case .array(let items) = current {
                    container[attribute] = try primaryKept(items, adding: value.elements)
                } else if case .object(let existing) = current, case .object(let added) = value {
                    container[attribute] = .object(merged(existing, added))
                } else {
                    container[attribute] = try normalised(value)
                }
            case .replace:
                guard let value else {
                    container[attribute] = nil
                    return
                }
                if case .object(let existing) = current, case .object(let added) = value {
                    container[attribute] = .object(merged(existing, added))
                } else if case .array = current, case .object = value {
                    container[attribute] = try normalised(.array([value]))
                } else {
                    container[attribute] = try normalised(value)
                }
            }
        }
        if let value = container[attribute], orNil(value) == nil { container[attribute] = nil }
    }

    private static func applySub(_ op: Op, _ sub: String, _ value: JSONValue?, to current: JSONValue?) throws
        -> JSONValue?
    {
        func set(_ element: JSONValue) -> JSONValue {
            var object: [String: JSONValue] = if case .object(let o) = element { o } else { [:] }
            object[key(sub, in: object)] = op == .remove ? nil : value
            return .object(object)
        }
        if case .array(let items) = current { return orNil(.array(items.map(set))) }
        if current == nil, op == .remove { return nil }
        return orNil(set(current ?? .object([:])))
    }

    private static func applyFiltered(
        _ op: Op, _ filter: SCIMFilter, _ sub: String?, _ value: JSONValue?, _ items: [JSONValue]
    ) throws -> JSONValue? {
        var items = items
        let matching = items.indices.filter { filter.matches(items[$0]) }
        switch op {
        case .remove:
            if let sub {
                for i in matching {
                    if case .object(var object) = items[i] {
                        object[key(sub, in: object)] = nil
                        items[i] = .object(object)
                    }
                }
            } else {
                items = items.indices.filter { !matching.contains($0) }.map { items[$0] }
            }
        case .add, .replace:
            guard let value else { return orNil(.array(items)) }
            if matching.isEmpty {
                // Entra replaces `emails[type eq "work"].value` on users that have no work email yet:
                // the element the filter describes is made, as most service providers do.
                guard var made = filter.equalities() else {
                    throw SCIMProtocolError.badRequest(.noTarget, "no value matches the filter of the path")
                }
                if let sub { made[sub] = value } else if case .object(let object) = value { made.merge(object) { $1 } }
                items.append(.object(made))
            }
            for i in matching {
                if let sub {
                    if case .object(var object) = items[i] {
                        object[key(sub, in: object)] = value
                        items[i] = .object(object)
                    }
                } else if case .object(let replacement) = value {
                    items[i] = op == .add ? .object(merged(items[i].objectMembers, replacement)) : .object(replacement)
                }
            }
            return try primaryKept(items, adding: [])
        }
        return orNil(.array(items))
    }

    /// `existing` with `added`'s members set over it.
    static func merged(_ existing: [String: JSONValue], _ added: [String: JSONValue]) -> [String: JSONValue] {
        var result = existing
        for (name, value) in added { result[key(name, in: result)] = value.isNull ? nil : value }
        return result
    }

    /// A list with `added` appended (values already present are not repeated), and `primary`
    /// true on at most one element: the last one given it wins (RFC 7643 §2.4).
    static func primaryKept(_ items: [JSONValue], adding added: [JSONValue]) throws -> JSONValue? {
        var items = items
        for value in added where !items.contains(value) {
            if value["primary"]?.bool == true {
                items = items.map { item in
                    guard case .object(var object) = item, object[key("primary", in: object)] != nil else {
                        return item
                    }
                    object[key("primary", in: object)] = .bool(false)
                    return .object(object)
                }
            }
            items.append(value)
        }
        return orNil(.array(items))
    }

    /// A value as stored: a list may name one primary at most.
    static func normalised(_ value: JSONValue) throws -> JSONValue? {
        if case .array(let items) = value {
            if items.filter({ $0["primary"]?.bool == true }).count > 1 {
                throw SCIMProtocolError.badRequest(.invalidValue, "more than one value is marked primary")
            }
        }
        return orNil(value)
    }

    /// Nil for an empty list or object: an attribute with no values is unassigned.
    static func orNil(_ value: JSONValue) -> JSONValue? {
        switch value {
        case .array(let items) where items.isEmpty: nil
        case .object(let members) where members.isEmpty: nil
        case .null: nil
        default: value
        }
    }
}

extension JSONValue {
    var objectMembers: [String: JSONValue] { if case .object(let members) = self { members } else { [:] } }
}

extension SCIMFilter {
    /// The `attr eq "value"` conditions joined by `and`, as members of the element they describe;
    /// nil when the filter says more than that.
    func equalities() -> [String: JSONValue]? {
        switch self {
        case .compare(let path, .eq, let value) where path.subAttribute == nil && path.schema == nil:
            return [path.name: value]
        case .and(let left, let right):
            guard let l = left.equalities(), let r = right.equalities() else { return nil }
            return l.merging(r) { a, _ in a }
        default: return nil
        }
    }
}
