import Foundation

@testable import RosterCore

extension InMemoryStorage: CustomAttributeRepository {
    func customAttributes() async throws -> [CustomAttribute] {
        try check()
        return Array(declaredAttributes.values)
    }

    func declare(_ attribute: CustomAttribute) async throws {
        try check()
        guard declaredAttributes[attribute.name.lowercased()] == nil else {
            throw RosterError.conflict("the custom attribute \(attribute.name) is declared already")
        }
        declaredAttributes[attribute.name.lowercased()] = attribute
    }

    func usersHolding(attribute name: String) async throws -> Int {
        try check()
        return users.values.filter { $0.custom[name] != nil }.count
    }

    func removeCustomAttribute(name: String) async throws -> Int {
        try check()
        declaredAttributes[name.lowercased()] = nil
        var removed = 0
        for (id, user) in users where user.custom[name] != nil {
            users[id]?.custom[name] = nil
            removed += 1
        }
        return removed
    }
}
