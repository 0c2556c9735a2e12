import Foundation

@testable import RosterCore

extension InMemoryStorage: MappingRepository {
    func saveMapping(applicationId: UUID, _ version: MappingVersion) async throws {
        try check()
        guard !mappings[applicationId, default: []].contains(where: { $0.version == version.version }) else {
            throw RosterError.conflict("the mapping was changed meanwhile: read it again and repeat the change")
        }
        mappings[applicationId, default: []].insert(version, at: 0)
    }

    func mappingVersions(applicationId: UUID) async throws -> [MappingVersion] {
        try check()
        return mappings[applicationId, default: []]
    }
}
