import Foundation
import SQLiteKit
import Synchronization
// SQLiteNIO's own copy of SQLite, reached through SQLiteNIO's module map: it must be the same
// library as the connection's (two copies of SQLite in one process break each other's locks).
import VaporCSQLite

/// SQLite's connection reached below SQLiteNIO, for the inserts an import makes by the hundred
/// thousand: each statement is prepared once and kept, then run again and again with its values
/// bound straight from Swift strings. Through SQLiteNIO every statement is parsed again and its
/// values copied twice: at 100,000 users that was a third of the writer's time (parsing a
/// thousand-row `VALUES` list alone a fifth). The usual batch goes many rows to a statement
/// (``Session/insertAll(_:rows:constant:leading:wrap:)``); the general way one row to a statement,
/// whose own `changes()` says whether that row was written, which a multi-row insert can only count.
///
/// Runs only inside a transaction of the store's one session, which no other statement
/// interleaves; the connection is opened fully serialized besides.
final class SQLiteDirect: Sendable {
    private struct Handle: @unchecked Sendable { let raw: OpaquePointer }
    private let handle: Handle
    /// Prepared statements by their text; one is taken out while it runs.
    private let statements = Mutex<[String: Handle]>([:])
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
    /// Rows a multi-row insert writes per statement; the rest of a batch goes one row at a time.
    static let rowsPerStatement = 100

    /// Answers nil when this SQLiteNIO keeps its handle elsewhere: the store then writes through
    /// SQLiteNIO, slower and the same. (`SQLiteConnection.handle.raw` is not public API.)
    init?(_ connection: SQLiteConnection) {
        guard let raw = Mirror(reflecting: connection).descendant("handle", "raw") as? OpaquePointer else {
            return nil
        }
        handle = Handle(raw: raw)
    }

    /// Runs `sql`, an insert of one row with a placeholder per column (`?1` … `?N`, in order), once for
    /// each row; answers, per row, whether it was written (`ON CONFLICT DO NOTHING` skips the others).
    /// - Parameter constant: columns whose value is the same in every row: bound once.
    func insert(_ sql: String, rows: [[SQLCell]], constant: [Bool]) async throws -> [Bool] {
        try await run { try $0.insert(sql, rows: rows, constant: constant) }
    }

    /// Runs `body` on a thread of the pool SQLiteNIO runs SQLite on: several statements in a row
    /// without going back to Swift's executors between them.
    func run<T: Sendable>(_ body: @escaping @Sendable (Session) throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive { try body(Session(direct: self)) }
    }

    /// The statements one ``run(_:)`` runs.
    struct Session {
        fileprivate let direct: SQLiteDirect

        /// Runs `sql` once, for its effect.
        func execute(_ sql: String, _ binds: [SQLCell] = []) throws {
            try direct.withStatement(sql) { statement in
                try direct.bindAll(binds, in: statement, sql)
                let result = sqlite_nio_sqlite3_step(statement)
                guard result == SQLITE_DONE || result == SQLITE_ROW else { throw direct.failure(result, sql) }
            }
        }

        /// The integer in the first column of the first row `sql` answers, if any.
        func integer(_ sql: String, _ binds: [SQLCell] = []) throws -> Int? {
            try direct.withStatement(sql) { statement in
                try direct.bindAll(binds, in: statement, sql)
                let result = sqlite_nio_sqlite3_step(statement)
                guard result == SQLITE_ROW else {
                    if result == SQLITE_DONE { return nil }
                    throw direct.failure(result, sql)
                }
                return Int(sqlite_nio_sqlite3_column_int64(statement, 0))
            }
        }

        /// The rows `sql` answers, their values by column name.
        func rows(_ sql: String, _ binds: [SQLCell]) throws -> [Row] {
            try direct.withStatement(sql) { statement in
                try direct.bindAll(binds, in: statement, sql)
                let width = sqlite_nio_sqlite3_column_count(statement)
                var names: [String: Int] = [:]
                for column in 0..<width {
                    names[sqlite_nio_sqlite3_column_name(statement, column).map { String(cString: $0) } ?? ""] =
                        Int(column)
                }
                var rows: [Row] = []
                while true {
                    let result = sqlite_nio_sqlite3_step(statement)
                    if result == SQLITE_DONE { return rows }
                    guard result == SQLITE_ROW else { throw direct.failure(result, sql) }
                    rows.append(Row(names: names, values: (0..<width).map { Self.value(statement, $0) }))
                }
            }
        }

        private static func value(_ statement: OpaquePointer, _ column: Int32) -> SQLCell {
            switch sqlite_nio_sqlite3_column_type(statement, column) {
            case SQLITE_NULL: .text(nil)
            case SQLITE_INTEGER: .int(sqlite_nio_sqlite3_column_int64(statement, column))
            default: .text(sqlite_nio_sqlite3_column_text(statement, column).map { String(cString: $0) })
            }
        }

        /// A row ``rows(_:_:)`` read.
        struct Row: ColumnValues {
            let names: [String: Int]
            let values: [SQLCell]

            func optionalString(_ column: String) throws -> String? {
                switch try value(column) {
                case .text(let text): text
                case .int(let number): number.map(String.init)
                }
            }
            func optionalInt64(_ column: String) throws -> Int64? {
                switch try value(column) {
                case .int(let number): number
                case .text(nil): nil
                case .text(let text?):
                    try Int64(text) ?? { throw StoreError("column \(column) holds \(text), not a whole number") }()
                }
            }
            private func value(_ column: String) throws -> SQLCell {
                guard let index = names[column] else { throw StoreError("no column \(column) in the row") }
                return values[index]
            }
        }

        /// ``SQLiteDirect/insert(_:rows:constant:)`` within this run.
        func insert(_ sql: String, rows: [[SQLCell]], constant: [Bool]) throws -> [Bool] {
            try direct.withStatement(sql) { statement in
                var written: [Bool] = []
                written.reserveCapacity(rows.count)
                for (index, row) in rows.enumerated() {
                    for (column, cell) in row.enumerated() where index == 0 || !constant[column] {
                        try direct.check(direct.bind(cell, at: Int32(column + 1), in: statement), sql)
                    }
                    let result = sqlite_nio_sqlite3_step(statement)
                    guard result == SQLITE_DONE else { throw direct.failure(result, sql) }
                    written.append(sqlite_nio_sqlite3_changes(direct.handle.raw) > 0)
                    sqlite_nio_sqlite3_reset(statement)
                }
                return written
            }
        }

        /// Inserts `rows` (`head VALUES …`, `head` an `INSERT INTO t (…)`), ``SQLiteDirect/rowsPerStatement``
        /// to a statement; answers whether every row was written, stopping at the first statement
        /// that skipped one: the caller then undoes its transaction and goes a way that reports why.
        /// A statement of many rows keeps its cursors from row to row, so a row that sorts last in an
        /// index is appended to the index's last page without a search from its root: with fewer
        /// statements to start and end, a quarter to a third of the time an import spends writing.
        /// Rows go `OR IGNORE`, not `ON CONFLICT DO NOTHING`: a statement that cannot fail midway
        /// needs no statement journal (a copy of every page it changes, to undo it), which cost 5–8 MB
        /// of a 100,000-user import's peak memory; any row skipped, for any constraint, shows in the count.
        /// - Parameters:
        ///   - constant: columns holding one value in every row: bound once.
        ///   - leading: values bound before all others (`?1` …), for the expressions of `wrap`.
        ///   - wrap: expressions of columns, `{}` standing for the column's value (see
        ///     ``PreparedInsert/valuesText(_:constant:rows:tail:leading:wrap:)``).
        func insertAll(
            _ head: String, rows: [[SQLCell]], constant: [Bool], leading: [SQLCell] = [], wrap: [Int: String] = [:]
        ) throws -> Bool {
            precondition(head.hasPrefix("INSERT INTO "), "insertAll makes its own kind of insert")
            let head = "INSERT OR IGNORE INTO " + head.dropFirst("INSERT INTO ".count)
            guard let first = rows.first else { return true }
            let shared = leading + first.indices.filter { constant[$0] }.map { first[$0] }
            let varying = first.indices.filter { !constant[$0] }
            var start = 0
            for size in [SQLiteDirect.rowsPerStatement, 1] {
                let end = start + (rows.count - start) / size * size
                guard end > start else { continue }
                let sql = PreparedInsert.valuesText(
                    head, constant: constant, rows: size, tail: "", leading: leading.count, wrap: wrap)
                let allWritten = try direct.withStatement(sql) { statement in
                    for (offset, cell) in shared.enumerated() {
                        try direct.check(direct.bind(cell, at: Int32(offset + 1), in: statement), sql)
                    }
                    for chunk in stride(from: start, to: end, by: size) {
                        var parameter = Int32(shared.count)
                        for row in rows[chunk..<chunk + size] {
                            for column in varying {
                                parameter += 1
                                try direct.check(direct.bind(row[column], at: parameter, in: statement), sql)
                            }
                        }
                        let result = sqlite_nio_sqlite3_step(statement)
                        guard result == SQLITE_DONE else { throw direct.failure(result, sql) }
                        guard sqlite_nio_sqlite3_changes(direct.handle.raw) == size else { return false }
                        sqlite_nio_sqlite3_reset(statement)
                    }
                    return true
                }
                guard allWritten else { return false }
                start = end
            }
            return true
        }
    }

    /// Runs `body` with the statement prepared for `sql`, reset and its values cleared afterwards.
    private func withStatement<T>(_ sql: String, _ body: (OpaquePointer) throws -> T) throws -> T {
        let statement = try take(sql)
        defer {
            sqlite_nio_sqlite3_reset(statement.raw)
            sqlite_nio_sqlite3_clear_bindings(statement.raw)
            statements.withLock { $0[sql] = statement }
        }
        return try body(statement.raw)
    }

    private func bindAll(_ cells: [SQLCell], in statement: OpaquePointer, _ sql: String) throws {
        for (index, cell) in cells.enumerated() {
            try check(bind(cell, at: Int32(index + 1), in: statement), sql)
        }
    }

    private func bind(_ cell: SQLCell, at index: Int32, in statement: OpaquePointer) -> Int32 {
        switch cell {
        case .text(nil), .int(nil):
            return sqlite_nio_sqlite3_bind_null(statement, index)
        case .int(let number?):
            return sqlite_nio_sqlite3_bind_int64(statement, index, number)
        case .text(var text?):
            return text.withUTF8 { bytes in
                guard let start = bytes.baseAddress, !bytes.isEmpty else {
                    return sqlite_nio_sqlite3_bind_text64(statement, index, "", 0, Self.transient, UInt8(SQLITE_UTF8))
                }
                return start.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                    sqlite_nio_sqlite3_bind_text64(
                        statement, index, $0, UInt64(bytes.count), Self.transient, UInt8(SQLITE_UTF8))
                }
            }
        }
    }

    /// The statement prepared for `sql`, prepared now if it was not.
    private func take(_ sql: String) throws -> Handle {
        if let ready = statements.withLock({ $0.removeValue(forKey: sql) }) { return ready }
        var statement: OpaquePointer?
        let result = sqlite_nio_sqlite3_prepare_v3(
            handle.raw, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard result == SQLITE_OK, let statement else { throw failure(result, sql) }
        return Handle(raw: statement)
    }

    private func check(_ result: Int32, _ sql: String) throws {
        guard result == SQLITE_OK else { throw failure(result, sql) }
    }

    private func failure(_ result: Int32, _ sql: String) -> SQLiteDirectError {
        let message = sqlite_nio_sqlite3_errmsg(handle.raw).map { String(cString: $0) } ?? "error \(result)"
        return SQLiteDirectError(code: result, message: message, statement: String(sql.prefix(80)))
    }

    /// Finalizes every statement: before the connection closes, which refuses while any is open.
    func close() {
        for statement in statements.withLock({ statements in
            defer { statements = [:] }
            return statements.values
        }) {
            sqlite_nio_sqlite3_finalize(statement.raw)
        }
    }
}

/// A statement ``SQLiteDirect`` ran failed: SQLite's result code and its message.
struct SQLiteDirectError: Error, CustomStringConvertible {
    let code: Int32
    let message: String
    let statement: String

    var description: String { "SQLite error \(code): \(message) (in \(statement)…)" }
}
