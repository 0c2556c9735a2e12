import Foundation

/// Declaring and removing custom attributes; every door (portal, API, command line) goes through here.
public struct CustomAttributeService: Sendable {
    let storage: any Storage

    /// Names a custom attribute cannot take: the directory's own attributes (UserJSON's keys), in any case.
    static let reserved: Set<String> = Set(
        (DirectoryService.editableAttributes + [
            "id", "email", "username", "addresses", "phoneNumbers", "state", "passwordStatus", "password", "source",
            "created", "updated", "externalId", "custom", "groups",
        ]).map { $0.lowercased() })

    public func list(by initiator: Initiator) async throws -> [CustomAttribute] {
        try initiator.require(.read)
        return try await declared().all
    }

    /// The declarations, for code that reads or sets values.
    func declared() async throws -> CustomAttributes {
        CustomAttributes(try await storage.customAttributes())
    }

    /// Declares an attribute once: a name of a letter then letters, digits or `_` (it is used in
    /// mappings and filters as it is), not the directory's own, not one declared already.
    public func declare(
        name: String, type: String, description: String?, by initiator: Initiator
    ) async throws -> CustomAttribute {
        try initiator.require(.change)
        let type = try CustomAttribute.Kind.parse(type)
        let name = name.trimmingCharacters(in: .whitespaces)
        guard name.count <= 64, let first = name.unicodeScalars.first, first.isASCIILetter,
            name.unicodeScalars.allSatisfy({ $0.isASCIILetter || ("0"..."9").contains($0) || $0 == "_" })
        else {
            throw RosterError.invalid(
                "\"\(name)\" cannot name a custom attribute: use 1 to 64 letters, digits or _, starting with a "
                    + "letter (e.g. badgeNumber)")
        }
        guard !Self.reserved.contains(name.lowercased()) else {
            throw RosterError.invalid("\(name) is one of the directory's own attributes: choose another name")
        }
        let description = description?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let description, description.count > 500 {
            throw RosterError.invalid("a custom attribute's description has at most 500 characters")
        }
        let attribute = CustomAttribute(
            name: name, type: type, description: description?.isEmpty == false ? description : nil,
            declaredBy: initiator.email ?? initiator.label, declaredAt: Date())
        try await storage.transaction { tx in
            try await tx.declare(attribute)
            try await tx.record(
                InsightsEvent(
                    type: .customAttributeDeclare, initiator: initiator,
                    resource: .init(type: "custom_attribute", id: nil, name: "\(name) (\(type.rawValue))")))
        }
        return attribute
    }

    /// Removes a declaration. Refused while an application's mapping fills it, and, unless `force`,
    /// while users hold values of it (which go with it); returns how many values went.
    public func remove(name: String, force: Bool, by initiator: Initiator) async throws -> Int {
        try initiator.require(.change)
        guard let attribute = try await declared()[name] else {
            throw RosterError.notFound("there is no custom attribute \(name)")
        }
        var mappedBy: [String] = []
        for (application, _) in try await storage.applications(search: nil) {
            let rules = try await storage.mappingVersions(applicationId: application.id).first?.mapping.rules ?? []
            if rules.contains(where: { $0.target.caseInsensitiveCompare(attribute.name) == .orderedSame }) {
                mappedBy.append(application.name)
            }
        }
        guard mappedBy.isEmpty else {
            throw RosterError.conflict(
                "the mapping of \(mappedBy.joined(separator: ", ")) fills \(attribute.name): change the mapping first")
        }
        let holding = try await storage.usersHolding(attribute: attribute.name)
        guard holding == 0 || force else {
            throw RosterError.conflict(
                "\(holding) user(s) hold a value of \(attribute.name): remove it with force (roster attribute "
                    + "remove --force, or force=true in the API) to clear those values too")
        }
        return try await storage.transaction { tx in
            let removed = try await tx.removeCustomAttribute(name: attribute.name)
            try await tx.record(
                InsightsEvent(
                    type: .customAttributeRemove, initiator: initiator,
                    resource: .init(
                        type: "custom_attribute", id: nil, name: "\(attribute.name): \(removed) value(s)")))
            return removed
        }
    }
}

extension Unicode.Scalar {
    fileprivate var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
}
