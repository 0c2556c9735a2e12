import Foundation
import SCIM

/// How one attribute of an application's users becomes a directory attribute: a SCIM path
/// (`emails[type eq "work"].value`, `urn:…:enterprise:2.0:User:manager.value`), the directory
/// attribute it fills, and the transforms on the way.
public struct AttributeRule: Sendable, Hashable, Codable {
    public var source: String
    public var target: String
    public var transforms: [AttributeTransform]

    public init(source: String, target: String, transforms: [AttributeTransform] = []) {
        self.source = source
        self.target = target
        self.transforms = transforms
    }

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

    /// The value this rule gives `resource`: what the path reads (text), through each transform;
    /// several values left at the end are joined with ", ". Nil when nothing is left.
    public func value(in resource: JSONValue) throws -> String? {
        var values = try path(for: resource).values(in: resource).compactMap(\.text)
        for transform in transforms { values = try transform.apply(values) }
        let kept = values.filter { !$0.isEmpty }
        return kept.isEmpty ? nil : kept.joined(separator: ", ")
    }

    /// `organization ← urn:…:division (trim, upper)`: what the preview shows.
    public var summary: String {
        "\(target) ← \(source)"
            + (transforms.isEmpty ? "" : " (" + transforms.map(\.name).joined(separator: ", ") + ")")
    }

    /// Checks the rule before any user: a path, a target that can be set (one of the directory's
    /// attributes or a declared custom one), transforms that can run.
    public func validate(attributes: CustomAttributes = .none) throws {
        _ = try path(for: .object([:]))
        var probe = DirectoryUser(email: "probe@example.com", username: "probe")
        try probe.set(target, to: nil, attributes: attributes)
        for transform in transforms { try transform.validate() }
    }
}

/// An application's rules, applied after the standard mapping (SPEC.md's table): a rule's value
/// replaces what the table gave its attribute. Each value remembers the rule that produced it.
public struct AttributeMapping: Sendable, Hashable, Codable {
    public var rules: [AttributeRule]
    /// The declared custom attributes rules may fill (typed): bound when the mapping is read
    /// (``Storage/currentMapping(of:)``), not saved with it.
    public var attributes: CustomAttributes = .none

    private enum CodingKeys: String, CodingKey { case rules }

    public init(rules: [AttributeRule] = []) { self.rules = rules }

    /// Applies every rule to `user`, read from `resource`; returns which rule set which attribute.
    @discardableResult
    public func apply(to user: inout DirectoryUser, from resource: JSONValue) throws -> [String: AttributeRule] {
        var produced: [String: AttributeRule] = [:]
        for rule in rules {
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
