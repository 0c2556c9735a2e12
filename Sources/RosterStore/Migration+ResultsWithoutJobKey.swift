import SQLKit

extension SQLStore {
    /// Migration 13: an import result's job is checked by the batch that writes it (its transaction
    /// reads the job's row first, `batchStart`), not by a foreign key. The key cost a lookup per
    /// result row, a trigger on PostgreSQL: a fifth of its server time in a large import. Roster never
    /// deletes an import job, so the key's cascade had nothing to do.
    static let resultsWithoutJobKey = Migration(
        version: 13, name: "results-without-job-key",
        up: [], down: [],
        postgresUp: ["ALTER TABLE import_results DROP CONSTRAINT import_results_job_id_fkey"],
        postgresDown: [
            """
            ALTER TABLE import_results ADD CONSTRAINT import_results_job_id_fkey FOREIGN KEY (job_id)
              REFERENCES import_jobs(id) ON DELETE CASCADE
            """
        ],
        sqliteUp: rebuildResults(jobKey: ""),
        sqliteDown: rebuildResults(jobKey: " REFERENCES import_jobs(id) ON DELETE CASCADE"))

    /// SQLite drops a column's key only by copying the table.
    private static func rebuildResults(jobKey: String) -> [String] {
        [
            """
            CREATE TABLE import_results_copy (job_id TEXT NOT NULL\(jobKey), remote_id TEXT NOT NULL,
              position BIGINT NOT NULL, user_name TEXT, outcome TEXT NOT NULL, user_id TEXT, reason TEXT,
              PRIMARY KEY (job_id, remote_id))
            """,
            """
            INSERT INTO import_results_copy (job_id, remote_id, position, user_name, outcome, user_id, reason)
              SELECT job_id, remote_id, position, user_name, outcome, user_id, reason FROM import_results
            """,
            "DROP TABLE import_results",
            "ALTER TABLE import_results_copy RENAME TO import_results",
        ]
    }
}
