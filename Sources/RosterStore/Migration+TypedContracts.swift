import Foundation
import RosterCore
import SQLKit

extension SQLStore {
    /// Migration 4: typed queue payloads (versioned JSON, with the application in a column of its
    /// own), one spelling for Insights types, every id in lower case, request ids on events,
    /// and the mail outbox.
    static let typedContracts = Migration(
        version: 4, name: "typed-contracts",
        up: [
            "ALTER TABLE jobs ADD COLUMN application_id TEXT",
            // 'APP/USER' and 'APP/GROUP' become JSON; UUIDs are 36 characters, so positions are fixed.
            """
            UPDATE jobs SET application_id = lower(substr(payload, 1, 36)),
              payload = '{"applicationId":"' || lower(substr(payload, 1, 36)) || '","userId":"' || lower(substr(payload,
                38, 36)) || '","v":1}'
            WHERE kind = 'provision-user' AND payload NOT LIKE '{%'
            """,
            """
            UPDATE jobs SET application_id = lower(substr(payload, 1, 36)),
              payload = '{"applicationId":"' || lower(substr(payload, 1, 36)) || '","groupId":"' ||
                lower(substr(payload, 38, 36)) || '","v":1}'
            WHERE kind = 'provision-group' AND payload NOT LIKE '{%'
            """,
            """
            UPDATE jobs SET payload = '{"importJobId":"' || lower(payload) || '","v":1}' WHERE kind = 'import' AND
              payload NOT LIKE '{%'
            """,
            "CREATE INDEX jobs_application ON jobs (application_id, status)",
            "UPDATE insights_events SET type = 'provision_add_members' WHERE type = 'provision_addMembers'",
            "UPDATE insights_events SET type = 'provision_remove_members' WHERE type = 'provision_removeMembers'",
            "UPDATE insights_events SET resource_id = lower(resource_id) WHERE resource_id <> lower(resource_id)",
            "UPDATE insights_events SET initiator_id = lower(initiator_id) WHERE initiator_id <> lower(initiator_id)",
            "ALTER TABLE insights_events ADD COLUMN request_id TEXT",
            """
            CREATE TABLE mail_outbox (id TEXT PRIMARY KEY, recipient TEXT NOT NULL, subject TEXT NOT NULL, message TEXT
              NOT NULL,
              created BIGINT NOT NULL, sent BIGINT)
            """,
        ],
        down: [
            "DROP TABLE mail_outbox",
            "DELETE FROM jobs WHERE kind = 'mail'",
            "ALTER TABLE insights_events DROP COLUMN request_id",
            "UPDATE insights_events SET type = 'provision_removeMembers' WHERE type = 'provision_remove_members'",
            "UPDATE insights_events SET type = 'provision_addMembers' WHERE type = 'provision_add_members'",
            "DROP INDEX jobs_application",
            "UPDATE jobs SET payload = substr(payload, 17, 36) WHERE kind = 'import' AND payload LIKE '{%'",
            "UPDATE jobs SET payload = substr(payload, 19, 36) || '/' || substr(payload, 68, 36) WHERE kind = "
                + "'provision-group' AND payload LIKE '{%'",
            "UPDATE jobs SET payload = substr(payload, 19, 36) || '/' || substr(payload, 67, 36) WHERE kind = "
                + "'provision-user' AND payload LIKE '{%'",
            "ALTER TABLE jobs DROP COLUMN application_id",
        ],
        code: { db in
            // The initiator of an import job is JSON whose id was written in upper case.
            for row in try await db.raw("SELECT id, initiator FROM import_jobs").all() {
                let stored = try row.string("initiator")
                let initiator = try JSONDecoder().decode(Initiator.self, from: Data(stored.utf8))
                let rewritten = try jsonText(initiator)
                if rewritten != stored {
                    try await db.raw(
                        "UPDATE import_jobs SET initiator = \(bind: rewritten) WHERE id = \(bind: try row.string("id"))"
                    ).run()
                }
            }
        })
}
