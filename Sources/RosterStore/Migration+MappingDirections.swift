import Foundation
import RosterCore
import SQLKit

extension SQLStore {
    /// What migration 15 writes in each mapping's history as the one who saved its new version.
    static let directionsNote =
        "Roster (migration 15): rules are one-way or two-way now; those with transforms became inbound only"

    /// Migration 15: mappings per direction. Every application's current mapping gets a new version
    /// that says each rule's direction: a rule without transforms stays two-way, one with transforms
    /// becomes inbound only (its transformed value was being written back into the application).
    static let mappingDirections = Migration(
        version: 15, name: "mapping-directions",
        up: [], down: ["DELETE FROM attribute_mappings WHERE changed_by = '\(directionsNote)'"],
        code: { db in
            let rows = try await db.raw(
                """
                SELECT m.application_id, m.version, m.rules FROM attribute_mappings m
                WHERE m.version = (SELECT max(n.version) FROM attribute_mappings n
                  WHERE n.application_id = m.application_id)
                """
            ).all()
            for row in rows {
                let text = try row.string("rules")
                let mapping = try JSONDecoder().decode(AttributeMapping.self, from: Data(text.utf8))
                guard !mapping.rules.isEmpty else { continue }
                try await db.raw(
                    """
                    INSERT INTO attribute_mappings (application_id, version, rules, changed_by, changed_at)
                    VALUES (\(bind: try row.string("application_id")), \(bind: try row.int("version") + 1),
                      \(bind: try jsonText(mapping)), \(bind: directionsNote), \(bind: Date().millis))
                    """
                ).run()
            }
        })
}
