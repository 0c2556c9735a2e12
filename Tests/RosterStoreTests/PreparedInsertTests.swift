import Foundation
import SQLKit
import Testing

@testable import RosterStore

@Suite struct PreparedInsertTests {
    /// Checks the rows `k0` … of ``awkward`` came back as written (each text, and a number or NULL);
    /// answers every row's note and number by key.
    static func expectAwkwardRows(_ stored: [any SQLRow]) throws -> [String: (String?, Int64?)] {
        let read = Dictionary(
            uniqueKeysWithValues: try stored.map {
                (
                    try $0.string("key"),
                    (try $0.decode(column: "note", as: String?.self), try $0.decode(column: "n", as: Int64?.self))
                )
            })
        for (index, text) in awkward.enumerated() {
            #expect(read["k\(index)"]?.0 == text)
            #expect(read["k\(index)"]?.1 == (index.isMultiple(of: 3) ? nil : Int64(index)))
        }
        return read
    }

    /// Texts a PostgreSQL array literal could misread: quotes, backslashes, braces, commas, the word
    /// NULL, spaces at the ends, the empty text.
    static let awkward = [
        "plain", "with \"quotes\"", "back\\slash\\", "{braces}", "a,b", "NULL", "null", "  spaced  ", "",
        "ünïcödé 名前", "\\\"", "'single'",
    ]

    @Test func everyTextAndNullIsWrittenAsItWasAndConflictsAreSkipped() async throws {
        try await withStore { store in
            // setup
            try await store.db.raw(
                "CREATE TABLE bulk_test (key TEXT PRIMARY KEY, note TEXT, n BIGINT, same TEXT, none TEXT, k BIGINT)"
            ).run()
            // Columns of every kind: texts, numbers with NULLs, one value in every row, NULL in every
            // row, numbers without NULL.
            let rows: [[SQLCell]] = Self.awkward.enumerated().map { index, text in
                [
                    .text("k\(index)"), .text(text), .int(index.isMultiple(of: 3) ? nil : Int64(index)),
                    .text("same \"x\""), .text(nil), .int(Int64(-index)),
                ]
            }
            // MUT: the rows, then the same keys again (all conflict) with one new
            let head = "INSERT INTO bulk_test (key, note, n, same, none, k)"
            let written = try await insertRows(head, rows, returning: "key", in: store.db)
            let again = try await insertRows(
                head, rows + [[.text("new"), .text(nil), .int(nil), .text("same \"x\""), .text(nil), .int(1)]],
                returning: "key", in: store.db)
            let one = try await insertRows(
                head, [[.text("one"), .text("1"), .int(1), .text("s"), .text(nil), .int(2)]], returning: "key",
                in: store.db)
            let twins = try await insertRows(
                head,
                Array(repeating: [.text("twin"), .text(nil), .int(3), .text("t"), .text(nil), .int(3)], count: 2),
                returning: "key", in: store.db)
            // validate
            #expect(Set(written) == Set(rows.indices.map { "k\($0)" }) && again == ["new"])
            #expect(one == ["one"] && twins == ["twin"])
            let stored = try await store.db.raw("SELECT key, note, n, same, none, k FROM bulk_test").all()
            #expect(stored.count == rows.count + 3)
            for row in stored where try row.string("key").hasPrefix("k") {
                let index = Int64(try row.string("key").dropFirst())!
                #expect(try row.string("same") == "same \"x\"" && row.decodeNil(column: "none"))
                #expect(try row.decode(column: "k", as: Int64.self) == -index)
            }
            let read = try Self.expectAwkwardRows(stored)
            #expect(read["new"].map { $0.0 == nil && $0.1 == nil } == true)
        }
    }

    /// SQLite's connection reached directly: one statement prepared once and run per row, each row
    /// saying whether it was written.
    @Test func sqliteRowsBoundDirectlyKeepEveryTextAndNullAndSayWhichWereWritten() async throws {
        try await withStore { store in
            guard let direct = store.direct else { return }
            try await store.db.raw("CREATE TABLE bulk_test (key TEXT PRIMARY KEY, note TEXT, n BIGINT, same TEXT)")
                .run()
            let head = "INSERT INTO bulk_test (key, note, n, same)"
            let rows: [[SQLCell]] = Self.awkward.enumerated().map { index, text in
                [.text("k\(index)"), .text(text), .int(index.isMultiple(of: 3) ? nil : Int64(index)), .text("s")]
            }
            let keys = rows.indices.map { "k\($0)" }
            let written = try await PreparedInsert(head, rows, key: "key", sqlite: true, direct: direct)
                .runKeyed(table: "bulk_test", keys: keys, in: store.db, sqlite: nil)
            // Again, with one new row among them: only it is written, its constant column bound anew.
            let more = rows + [[.text("new"), .text(nil), .int(7), .text("t")]]
            let again = try await PreparedInsert(head, more, key: "key", sqlite: true, direct: direct)
                .runKeyed(table: "bulk_test", keys: keys + ["new"], in: store.db, sqlite: nil)
            #expect(written == Set(keys) && again == ["new"])
            let stored = try await store.db.raw("SELECT key, note, n, same FROM bulk_test").all()
            let read = try Self.expectAwkwardRows(stored)
            #expect(read["new"].map { $0.0 == nil && $0.1 == 7 } == true)
            #expect(
                try await store.db.raw("SELECT same FROM bulk_test WHERE key = 'new'").first()?.string("same") == "t")
        }
    }

    /// Many rows a statement, and the rest one by one: every text and NULL in its place, a constant
    /// column bound once, and a batch with a row that cannot be written answered as not all written.
    @Test func sqliteRowsWrittenManyAStatementKeepEveryTextAndNullAndSayWhenOneIsSkipped() async throws {
        try await withStore { store in
            guard let direct = store.direct else { return }
            try await store.db.raw(
                "CREATE TABLE bulk_test (key TEXT PRIMARY KEY, note TEXT, n BIGINT, same TEXT, at BIGINT NOT NULL)"
            ).run()
            let head = "INSERT INTO bulk_test (key, note, n, same, at)"
            let count = 2 * SQLiteDirect.rowsPerStatement + Self.awkward.count
            let rows: [[SQLCell]] = (0..<count).map { index in
                let text = Self.awkward[index % Self.awkward.count]
                return [
                    .text("k\(index)"), .text(text), .int(index.isMultiple(of: 3) ? nil : Int64(index)), .text("s"),
                    .int(index),
                ]
            }
            func insertAll(_ rows: [[SQLCell]]) async throws -> Bool {
                try await direct.run { session in
                    try session.execute("BEGIN")
                    // `at` is the row's place plus a number bound once for all.
                    let written = try session.insertAll(
                        head, rows: rows, constant: PreparedInsert.constantColumns(rows), leading: [.int(1_000)],
                        wrap: [4: "{} + ?1"])
                    try session.execute(written ? "COMMIT" : "ROLLBACK")
                    return written
                }
            }
            #expect(try await insertAll(rows))
            // A key written already, or a NULL where none may be, in a statement of many: not all written.
            let fresh = (0..<count).map { [SQLCell.text("f\($0)"), .text("x"), .int(1), .text("s"), .int(1)] }
            var known = fresh, null = fresh
            known[SQLiteDirect.rowsPerStatement + 3][0] = .text("k5")
            null[3][4] = .int(nil)
            #expect(try await insertAll(known) == false)
            #expect(try await insertAll(null) == false)
            let stored = try await store.db.raw("SELECT key, note, n, same, at FROM bulk_test").all()
            #expect(stored.count == count)
            for row in stored {
                let index = Int(try row.string("key").dropFirst())!
                #expect(try row.string("note") == Self.awkward[index % Self.awkward.count])
                #expect(try row.decode(column: "n", as: Int64?.self) == (index.isMultiple(of: 3) ? nil : Int64(index)))
                #expect(try row.string("same") == "s" && row.decode(column: "at", as: Int.self) == 1_000 + index)
            }
        }
    }
}
