import Foundation
import RosterCore
import SQLKit
import Testing

@testable import RosterStore

/// Migration 15 (mappings per direction) on mappings saved before it, and back.
@Suite struct MappingMigrationTests {
    @Test func aMappingSavedBeforeDirectionsGetsAVersionWhereTransformingRulesOnlyReadIn() async throws {
        try await withStore { store in
            // setup: the schema as it was before migration 15, with a mapping saved then (no directions)
            try await store.revertLastMigration()  // 17
            try await store.revertLastMigration()  // 16
            try await store.revertLastMigration()  // 15
            let application = Application(name: "App")
            try await store.createApplication(application)
            let rules = #"""
                {"rules": [{"source": "emails[type eq \"work\"].value", "target": "employeeIdentifier",
                  "transforms": [{"op": "upper"}]},
                 {"source": "title", "target": "jobTitle"}]}
                """#
            try await store.withDB { db in
                try await db.raw(
                    """
                    INSERT INTO attribute_mappings (application_id, version, rules, changed_by, changed_at)
                    VALUES (\(bind: application.id.text), 1, \(bind: rules), 'admin@example.com', 0)
                    """
                ).run()
            }
            // MUT
            try await store.migrate()
            // validate: a second version says each rule's direction, and who made it
            let versions = try await store.mappingVersions(applicationId: application.id)
            let current = try #require(versions.first)
            #expect(current.version == 2 && current.changedBy == SQLStore.directionsNote)
            #expect(current.mapping.rules.map(\.direction) == [.inbound, .both])
            #expect(versions.count == 2)
            // and back: the version migration 15 wrote goes, the one saved before stays
            try await store.revertLastMigration()  // 17
            try await store.revertLastMigration()  // 16
            try await store.revertLastMigration()  // 15
            let left = try await store.mappingVersions(applicationId: application.id)
            #expect(left.map(\.version) == [1] && left.first?.changedBy == "admin@example.com")
        }
    }
}
