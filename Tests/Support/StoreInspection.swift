import Foundation
import RosterCore
import SQLKit

@testable import RosterStore

/// What tests ask of the real store beyond the domain's questions: what it holds, and faults.
///
/// A database that refuses writes to a table, as one whose disk filled or whose server went away
/// would: a trigger that fails every insert and update, on the real store.
extension SQLStore {
    public func failWrites(to table: String) async throws {
        try await withDB { [dialect] db in
            if dialect == .sqlite {
                for event in ["INSERT", "UPDATE"] {
                    try await db.raw(
                        """
                        CREATE TRIGGER roster_fault_\(unsafeRaw: table)_\(unsafeRaw: event.lowercased())
                        BEFORE \(unsafeRaw: event) ON \(unsafeRaw: table)
                        BEGIN SELECT RAISE(ABORT, 'the database is unreachable (injected)'); END
                        """
                    ).run()
                }
            } else {
                try await db.raw(
                    """
                    CREATE OR REPLACE FUNCTION roster_fault() RETURNS trigger AS $$
                    BEGIN RAISE EXCEPTION 'the database is unreachable (injected)'; END $$ LANGUAGE plpgsql
                    """
                ).run()
                try await db.raw(
                    """
                    CREATE TRIGGER roster_fault_\(unsafeRaw: table) BEFORE INSERT OR UPDATE ON \(unsafeRaw: table)
                    FOR EACH ROW EXECUTE FUNCTION roster_fault()
                    """
                ).run()
            }
        }
    }

    /// Writes to the table work again.
    public func restoreWrites(to table: String) async throws {
        try await withDB { [dialect] db in
            if dialect == .sqlite {
                for event in ["insert", "update"] {
                    try await db.raw("DROP TRIGGER roster_fault_\(unsafeRaw: table)_\(unsafeRaw: event)").run()
                }
            } else {
                try await db.raw("DROP TRIGGER roster_fault_\(unsafeRaw: table) ON \(unsafeRaw: table)").run()
            }
        }
    }

    /// The number a query of the test's own answers in its column `n` (a count of what is stored).
    public func count(_ sql: String) async throws -> Int {
        try await withDB { db in try await db.raw(SQLQueryString(sql)).first()?.decode(column: "n", as: Int.self) ?? 0 }
    }

    /// Every activation and reset link, used or not.
    public func allUserTokens() async throws -> [UserToken] {
        try await withDB { db in
            try await db.raw("SELECT * FROM user_tokens").all().map { row in
                UserToken(
                    userId: try row.uuid("user_id"), purpose: try row.string("purpose"),
                    expires: try row.date("expires"), used: try row.optionalDate("used"))
            }
        }
    }
}
