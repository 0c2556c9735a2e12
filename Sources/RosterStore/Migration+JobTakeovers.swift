import SQLKit

extension SQLStore {
    /// Migration 17: how many times a job was taken over from a worker whose lease ran out while the
    /// job ran (its process died under it). A job that keeps killing its worker is given up after a
    /// few (``Worker/maxTakeovers``) instead of taking every instance down in turn.
    static let jobTakeovers = Migration(
        version: 17, name: "job-takeovers",
        up: ["ALTER TABLE jobs ADD COLUMN takeovers BIGINT NOT NULL DEFAULT 0"],
        down: ["ALTER TABLE jobs DROP COLUMN takeovers"])
}
