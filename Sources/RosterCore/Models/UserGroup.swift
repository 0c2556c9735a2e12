import Foundation

/// A user group: its members are the users Roster manages in every application it is bound to.
public struct UserGroup: Sendable, Hashable {
    public var id: UUID
    public var name: String
    public var created: Date
    public init(id: UUID = UUID.random(), name: String, created: Date = Date()) {
        self.id = id
        self.name = name
        self.created = created
    }
}
