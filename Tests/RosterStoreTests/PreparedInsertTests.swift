import Foundation
import SQLKit
import Testing

@testable import RosterStore

@Suite struct PreparedInsertTests {
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
            let written = try await insertRows(head, rows, returning: "key", in: store.db, sqlite: store.sqlite)
            let again = try await insertRows(
                head, rows + [[.text("new"), .text(nil), .int(nil), .text("same \"x\""), .text(nil), .int(1)]],
                returning: "key", in: store.db, sqlite: store.sqlite)
            let one = try await insertRows(
                head, [[.text("one"), .text("1"), .int(1), .text("s"), .text(nil), .int(2)]], returning: "key",
                in: store.db, sqlite: store.sqlite)
            let twins = try await insertRows(
                head,
                Array(repeating: [.text("twin"), .text(nil), .int(3), .text("t"), .text(nil), .int(3)], count: 2),
                returning: "key", in: store.db, sqlite: store.sqlite)
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
            let read = Dictionary(
                uniqueKeysWithValues: try stored.map {
                    (
                        try $0.string("key"),
                        (try $0.decode(column: "note", as: String?.self), try $0.decode(column: "n", as: Int64?.self))
                    )
                })
            for (index, text) in Self.awkward.enumerated() {
                #expect(read["k\(index)"]?.0 == text)
                #expect(read["k\(index)"]?.1 == (index.isMultiple(of: 3) ? nil : Int64(index)))
            }
            #expect(read["new"].map { $0.0 == nil && $0.1 == nil } == true)
        }
    }
}
