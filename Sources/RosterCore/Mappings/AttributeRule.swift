import Foundation
import SCIM

/// How one attribute of an application's users and one directory attribute meet: `source`, a SCIM
/// path of the application's users (`emails[type eq "work"].value`, `urn:…:enterprise:2.0:User:
/// manager.value`), and `target`, the directory attribute, in one direction or both.
///
/// - `inbound` (import, application → directory): the path's value, through `transforms`, fills
///   the attribute.
/// - `outbound` (provisioning, directory → application): the attribute's value, or `value` made of
///   several, through `transforms`, is written at the path; with `onlyOnCreate` only when the
///   account is created.
/// - `both`: the value as it is, each way. A rule with a transform is never `both`: what it made on
///   the way in is not the application's value, and is never written back over it.
public struct AttributeRule: Sendable, Hashable {
    public enum Direction: String, Sendable, Hashable, Codable, CaseIterable { case both, inbound, outbound }

    public var source: String
    public var target: String
    public var transforms: [AttributeTransform]
    public var direction: Direction
    /// Outbound: what is written instead of `target`'s value.
    public var value: OutboundValue?
    /// Outbound: written when the account is created, never changed later.
    public var onlyOnCreate: Bool

    public init(
        source: String, target: String, transforms: [AttributeTransform] = [], direction: Direction? = nil,
        value: OutboundValue? = nil, onlyOnCreate: Bool = false
    ) {
        self.source = source
        self.target = target
        self.transforms = transforms
        self.direction = direction ?? Self.defaultDirection(transforms: transforms, value: value)
        self.value = value
        self.onlyOnCreate = onlyOnCreate
    }

    /// A rule that says no direction: two-way when it transforms nothing, else inbound only; one with
    /// an outbound value writes out.
    static func defaultDirection(transforms: [AttributeTransform], value: OutboundValue?) -> Direction {
        if value != nil { return .outbound }
        return transforms.isEmpty ? .both : .inbound
    }

    public var readsIn: Bool { direction != .outbound }
    public var writesOut: Bool { direction != .inbound }

    /// The path, read against the schemas `resource` declares and the URN the path starts with
    /// (a vendor's extension, which a rule is checked against before any user has it).
    func path(for resource: JSONValue) throws -> SCIMPath {
        do {
            return try SCIMPath(
                parsing: source, core: SCIMSchema.user,
                extensions: AttributeMapping.extensions(of: source, resource: resource))
        } catch {
            throw RosterError.invalid("the source \"\(source)\" of the rule for \(target) is not a SCIM path: \(error)")
        }
    }

    /// The value this inbound rule gives `resource`: what the path reads (text), through each
    /// transform; several values left at the end are joined with ", ". Nil when nothing is left.
    public func value(in resource: JSONValue) throws -> String? {
        var values = try path(for: resource).values(in: resource).compactMap(\.text)
        for transform in transforms { values = try transform.apply(values) }
        let kept = values.filter { !$0.isEmpty }
        return kept.isEmpty ? nil : kept.joined(separator: ", ")
    }

    /// What this outbound rule writes for `user` at its path; nil removes what is there. A two-way
    /// rule's custom number or boolean goes as itself, the rest as text.
    public func outboundValue(for user: DirectoryUser) throws -> JSONValue? {
        if value == nil, transforms.isEmpty { return AttributeMapping.json(of: target, in: user) }
        var values = (value?.text(for: user) ?? user.value(of: target)).map { [$0] } ?? []
        for transform in transforms { values = try transform.apply(values) }
        let kept = values.filter { !$0.isEmpty }
        return kept.isEmpty ? nil : .string(kept.joined(separator: ", "))
    }

    /// `organization ← urn:…:division (trim, upper)`, `division ← "R&D" (on create)`: what the preview shows.
    public var summary: String {
        let steps = transforms.isEmpty ? "" : " (" + transforms.map(\.name).joined(separator: ", ") + ")"
        switch direction {
        case .both: return "\(target) ↔ \(source)"
        case .inbound: return "\(target) ← \(source)" + steps
        case .outbound:
            return "\(source) ← \(value?.summary ?? target)" + steps + (onlyOnCreate ? " (on create)" : "")
        }
    }

    /// Checks the rule before any user: a path, a target that can be set (one of the directory's
    /// attributes or a declared custom one), attributes an outbound value can read, transforms that
    /// can run, and a direction its transforms allow.
    public func validate(attributes: CustomAttributes = .none) throws {
        _ = try path(for: .object([:]))
        var probe = DirectoryUser(email: "probe@example.com", username: "probe")
        if value == nil || readsIn { try probe.set(target, to: nil, attributes: attributes) }
        for transform in transforms { try transform.validate() }
        if direction == .both, !transforms.isEmpty {
            throw RosterError.invalid(
                "the rule for \(target) transforms its value, so it cannot go both ways: make it inbound (import) "
                    + "or outbound (provisioning)")
        }
        if value != nil, direction != .outbound {
            throw RosterError.invalid("the rule writing \(source) has a value to write: its direction is outbound")
        }
        if onlyOnCreate, direction == .inbound {
            throw RosterError.invalid("the rule for \(target) is inbound: \"only on create\" is for outbound rules")
        }
        let readable = Set(DirectoryService.editableAttributes + ["email", "username"] + attributes.all.map(\.name))
        for name in value?.attributes ?? [] where !readable.contains(name) {
            throw RosterError.invalid(
                "\"\(name)\" in the value written at \(source) is not a directory attribute; use one of "
                    + readable.sorted().joined(separator: ", "))
        }
    }
}

/// As saved and exchanged: `direction` is written always; a rule read without one gets the default.
extension AttributeRule: Codable {
    enum Keys: String, CodingKey { case source, target, transforms, direction, value, onlyOnCreate }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        let transforms = try c.decodeIfPresent([AttributeTransform].self, forKey: .transforms) ?? []
        let value = try c.decodeIfPresent(OutboundValue.self, forKey: .value)
        self.init(
            source: try c.decode(String.self, forKey: .source),
            target: try c.decodeIfPresent(String.self, forKey: .target) ?? "", transforms: transforms,
            direction: try c.decodeIfPresent(Direction.self, forKey: .direction), value: value,
            onlyOnCreate: try c.decodeIfPresent(Bool.self, forKey: .onlyOnCreate) ?? false)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(source, forKey: .source)
        try c.encode(target, forKey: .target)
        try c.encode(transforms, forKey: .transforms)
        try c.encode(direction, forKey: .direction)
        try c.encodeIfPresent(value, forKey: .value)
        if onlyOnCreate { try c.encode(true, forKey: .onlyOnCreate) }
    }
}

/// An application's rules, applied after the standard mapping (SPEC's table, docs/concepts.md): an
/// inbound rule's value replaces what the table gave its attribute on import; an outbound rule's is
/// written at its path on provisioning.
public struct AttributeMapping: Sendable, Hashable, Codable {
    public var rules: [AttributeRule]
    /// The declared custom attributes rules may fill (typed): bound when the mapping is read
    /// (``Storage/currentMapping(of:)``), not saved with it.
    public var attributes: CustomAttributes = .none

    private enum CodingKeys: String, CodingKey { case rules }

    public init(rules: [AttributeRule] = []) { self.rules = rules }

    public var inbound: [AttributeRule] { rules.filter(\.readsIn) }
    public var outbound: [AttributeRule] { rules.filter(\.writesOut) }

    /// Applies every inbound rule to `user`, read from `resource`; returns which rule set which attribute.
    @discardableResult
    public func apply(to user: inout DirectoryUser, from resource: JSONValue) throws -> [String: AttributeRule] {
        var produced: [String: AttributeRule] = [:]
        for rule in inbound {
            let value = try rule.value(in: resource)
            if value.map({ $0.count > UserMapping.maxLength }) == true {
                throw RosterError.invalid(
                    "\(rule.target) from \(rule.source) is longer than \(UserMapping.maxLength) characters")
            }
            try user.set(rule.target, to: value, attributes: attributes)
            produced[rule.target] = rule
        }
        return produced
    }
}

extension Storage {
    /// The application's current mapping, bound to the custom attributes declared now.
    func currentMapping(of applicationId: UUID) async throws -> AttributeMapping? {
        guard var mapping = try await mappingVersions(applicationId: applicationId).first?.mapping else { return nil }
        mapping.attributes = CustomAttributes(try await customAttributes())
        return mapping
    }
}
