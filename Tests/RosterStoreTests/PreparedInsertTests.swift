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
            try await store.db.raw("CREATE TABLE bulk_test (key TEXT PRIMARY KEY, note TEXT, n BIGINT)").run()
            let rows: [[SQLCell]] = Self.awkward.enumerated().map { index, text in
                [.text("k\(index)"), .text(text), .int(index.isMultiple(of: 3) ? nil : Int64(index))]
            }
            // MUT: the rows, then the same keys again (all conflict) with one new
            let written = try await insertRows(
                "INSERT INTO bulk_test (key, note, n)", rows, returning: "key", in: store.db, sqlite: store.sqlite)
            let again = try await insertRows(
                "INSERT INTO bulk_test (key, note, n)", rows + [[.text("new"), .text(nil), .int(nil)]],
                returning: "key", in: store.db, sqlite: store.sqlite)
            // validate
            #expect(Set(written) == Set(rows.indices.map { "k\($0)" }) && again == ["new"])
            let stored = try await store.db.raw("SELECT key, note, n FROM bulk_test").all()
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
