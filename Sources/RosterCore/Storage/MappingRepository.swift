import Foundation

/// One saved version of an application's attribute mapping.
public struct MappingVersion: Sendable, Hashable {
    public var version: Int
    public var mapping: AttributeMapping
    public var changedBy: String?
    public var changedAt: Date

    public init(version: Int, mapping: AttributeMapping, changedBy: String?, changedAt: Date) {
        self.version = version
        self.mapping = mapping
        self.changedBy = changedBy
        self.changedAt = changedAt
    }
}

public protocol MappingRepository: Sendable {
    /// Saves the next version; throws ``RosterError/conflict(_:)`` when `version` was taken meanwhile.
    func saveMapping(applicationId: UUID, _ version: MappingVersion) async throws
    /// Every version, newest first.
    func mappingVersions(applicationId: UUID) async throws -> [MappingVersion]
}
