import Foundation
import RosterCore
import SQLKit

extension SQLStore: MappingRepository {
    public func saveMapping(applicationId: UUID, _ version: MappingVersion) async throws {
        let rules = try jsonText(version.mapping)
        do {
            try await withDB { db in
                try await db.raw(
                    """
                    INSERT INTO attribute_mappings (application_id, version, rules, changed_by, changed_at)
                    VALUES (\(bind: applicationId.text), \(bind: version.version), \(bind: rules),
                      \(bind: version.changedBy), \(bind: version.changedAt.millis))
                    """
                ).run()
            }
        } catch  where isUniqueViolation(error) {
            throw RosterError.conflict("the mapping was changed meanwhile: read it again and repeat the change")
        }
    }

    public func mappingVersions(applicationId: UUID) async throws -> [MappingVersion] {
        try await read { db in
            try await db.raw(
                """
                SELECT * FROM attribute_mappings WHERE application_id = \(bind: applicationId.text)
                ORDER BY version DESC
                """
            ).all().map { row in
                MappingVersion(
                    version: try row.int("version"),
                    mapping: try JSONDecoder().decode(AttributeMapping.self, from: Data(try row.string("rules").utf8)),
                    changedBy: try row.optionalString("changed_by"), changedAt: try row.date("changed_at"))
            }
        }
    }
}
