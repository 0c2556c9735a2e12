import Foundation

public protocol CustomAttributeRepository: Sendable {
    /// Every declared custom attribute.
    func customAttributes() async throws -> [CustomAttribute]
    /// Throws ``RosterError/conflict(_:)`` when a name differing at most by case is declared.
    func declare(_ attribute: CustomAttribute) async throws
    /// How many users hold a value of the attribute.
    func usersHolding(attribute name: String) async throws -> Int
    /// Removes the declaration and every user's value of it, in one transaction; how many values went.
    func removeCustomAttribute(name: String) async throws -> Int
}
