import Foundation
import PostgresKit
import SQLKit
import SQLiteKit
import Synchronization

/// A value of a row written by ``insertRows``: a text or an integer, NULL typed too (PostgreSQL's
/// column arrays need their type). Bound to SQLite's connection directly, or by SQLKit; a NULL
/// bound through SQLKit takes the drivers' slow `Encodable` path, so busy writes bind directly.
enum SQLCell: Sendable, Equatable {
    case text(String?)
    case int(Int64?)

    static func int(_ value: Int) -> SQLCell { .int(Int64(value)) }
}

/// `head … ON CONFLICT DO NOTHING [RETURNING column]` for many rows, rendered ahead of running it
/// (an import renders its next batch while the one before commits), in as few statements as the
/// databases allow. A batch costs a statement per thousand rows or so on SQLite (its limit on bound
/// values is 32,766) and one on PostgreSQL, not one per row: each statement is parsed anew.
struct PreparedInsert: Sendable {
    /// One statement's text, its placeholders in order, and the values they stand for.
    struct Statement: Sendable, SQLExpression {
        let sql: String
        /// SQLite: the values as its driver takes them, made ahead of the statement's turn.
        let sqliteValues: [SQLiteData]
        /// PostgreSQL: the values as SQLKit binds them.
        let binds: [any Encodable & Sendable]

        init(sql: String, sqliteValues: [SQLCell]) {
            self.sql = sql
            self.sqliteValues = sqliteValues.map { value in
                switch value {
                case .text(let text?): .text(text)
                case .int(let number?): .integer(Int(number))
                case .text(nil), .int(nil): .null
                }
            }
            binds = []
        }

        init(sql: String, binds: [any Encodable & Sendable]) {
            self.sql = sql
            self.binds = binds
            sqliteValues = []
        }

        func serialize(to serializer: inout SQLSerializer) {
            // In order from the first: the statement has no other value before these.
            precondition(serializer.binds.isEmpty, "a prepared statement binds its values first")
            serializer.write(sql)
            serializer.binds += binds
            for value in sqliteValues {
                switch value {
                case .text(let text): serializer.binds.append(text)
                case .integer(let number): serializer.binds.append(Int64(number))
                default: serializer.binds.append(String?.none)
                }
            }
        }
    }

    let statements: [Statement]
    let returning: String?
    /// The column that tells rows apart, for ``runKeyed(table:keys:in:sqlite:)``.
    private(set) var key: String?
    /// PostgreSQL: the insert without `ON CONFLICT` or `RETURNING`, for ``runKeyed(table:keys:in:sqlite:)``.
    private var plain: Statement?

    /// SQLite, when its connection is reached directly: the insert of one row, prepared once and run
    /// for each of `rows`, and its head for an insert of many rows a statement (``insertAll(in:)``);
    /// `constant` says which columns hold one value in every row.
    private var direct: (sqlite: SQLiteDirect, sql: String, head: String, rows: [[SQLCell]], constant: [Bool])?

    /// - Parameter fresh: the rows cannot be there already (new events, with new ids): inserted
    ///   without `ON CONFLICT`, which costs PostgreSQL a look into every unique index per row first.
    init(
        _ head: String, _ rows: [[SQLCell]], returning: String? = nil, sqlite: Bool, direct: SQLiteDirect? = nil,
        fresh: Bool = false
    ) {
        self.returning = returning
        guard let width = rows.first?.count, width > 0 else {
            statements = []
            return
        }
        let tail = (fresh ? "" : " ON CONFLICT DO NOTHING") + (returning.map { " RETURNING " + $0 } ?? "")
        if sqlite, returning == nil, let direct {
            let placeholders = (1...width).map { "?\($0)" }.joined(separator: ", ")
            self.direct = (
                direct, head + " VALUES (" + placeholders + ")" + tail, head, rows, Self.constantColumns(rows)
            )
            statements = []
        } else if sqlite {
            statements = Self.valuesLists(head, rows, width: width, tail: tail)
        } else {
            let insert = Self.arrays(head, rows)
            statements = [Statement(sql: insert.sql + tail, binds: insert.binds)]
            plain = insert
        }
    }

    /// Runs the insert within `session`, many rows per statement, when it was made for SQLite's
    /// connection reached directly (else answers nil); answers whether every row was written.
    func insertAll(in session: SQLiteDirect.Session) throws -> Bool? {
        guard let direct else { return nil }
        return try session.insertAll(direct.head, rows: direct.rows, constant: direct.constant)
    }

    /// The columns holding the same value in every row (an import's job, state, source, an event's
    /// type and initiator): bound once per statement, not once per row.
    static func constantColumns(_ rows: [[SQLCell]]) -> [Bool] {
        let first = rows[0]
        return first.indices.map { column in rows.count > 1 && rows.allSatisfy { $0[column] == first[column] } }
    }

    /// SQLite: `VALUES (?1, ?4, …), (?1, ?5, …)`, as many rows per statement as its limit on bound
    /// values allows. A column holding the same value in every row (an import's job, state, source,
    /// an event's type and initiator) is bound once and named by every row; NULL is bound like any
    /// value. A statement's text then depends only on its shape and is made once for each.
    private static func valuesLists(_ head: String, _ rows: [[SQLCell]], width: Int, tail: String) -> [Statement] {
        let first = rows[0]
        let constant = constantColumns(rows)
        let shared = (0..<width).filter { constant[$0] }.map { first[$0] }
        let varying = (0..<width).filter { !constant[$0] }
        let perStatement = max(1, (30_000 - shared.count) / max(1, varying.count))
        return stride(from: 0, to: rows.count, by: perStatement).map { start in
            let chunk = rows[start..<min(start + perStatement, rows.count)]
            var values = shared
            values.reserveCapacity(shared.count + chunk.count * varying.count)
            for row in chunk {
                for column in varying { values.append(row[column]) }
            }
            let text = valuesText(head, constant: constant, rows: chunk.count, tail: tail)
            return Statement(sql: text, sqliteValues: values)
        }
    }

    /// Statement texts by shape: an import writes the same few shapes thousands of times.
    private static let texts = Mutex<[String: String]>([:])

    /// `head VALUES (…), (…) tail` for `rows` rows. Its parameters: `leading` values bound first
    /// (`?1` …), then one per constant column, then each row's other columns in order.
    /// - Parameter wrap: expressions for columns, `{}` standing for the column's parameter (a result's
    ///   position is its place in the batch plus the job's count so far, `{} + ?1`).
    static func valuesText(
        _ head: String, constant: [Bool], rows: Int, tail: String, leading: Int = 0, wrap: [Int: String] = [:]
    ) -> String {
        let columns = wrap.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let key = "\(rows) \(leading) \(columns) \(constant.map { $0 ? "c" : "v" }.joined()) \(head)\(tail)"
        if let text = texts.withLock({ $0[key] }) { return text }
        var shared: [Int: Int] = [:]
        for (column, isConstant) in constant.enumerated() where isConstant {
            shared[column] = leading + shared.count + 1
        }
        let varying = constant.count - shared.count
        var text = head + " VALUES "
        for row in 0..<rows {
            text += row == 0 ? "(" : ", ("
            var next = leading + shared.count + row * varying + 1
            for column in constant.indices {
                if column > 0 { text += ", " }
                let parameter: String
                if let number = shared[column] {
                    parameter = "?\(number)"
                } else {
                    parameter = "?\(next)"
                    next += 1
                }
                text += wrap[column].map { $0.replacingOccurrences(of: "{}", with: parameter) } ?? parameter
            }
            text += ")"
        }
        text += tail
        texts.withLock { texts in
            if texts.count >= 64 { texts.removeAll() }
            texts[key] = text
        }
        return text
    }

    /// Runs the statements; answers the values of the `returning` column of the rows written.
    /// - Parameter sqlite: SQLite's connection, when `db` runs on it: values are bound to it
    ///   directly, without SQLKit's `Encodable` binding (a sixth of a large import's time).
    func run(in db: any SQLDatabase, sqlite: SQLiteConnection? = nil) async throws -> [String] {
        if let direct {
            _ = try await direct.sqlite.insert(direct.sql, rows: direct.rows, constant: direct.constant)
            return []
        }
        var returned: [String] = []
        for statement in statements {
            if let sqlite {
                let rows = Mutex<[String]>([])
                try await sqlite.query(statement.sql, statement.sqliteValues) { row in
                    guard let returning, let value = row.column(returning)?.string else { return }
                    rows.withLock { $0.append(value) }
                }
                returned += rows.withLock { $0 }
                continue
            }
            var query: SQLQueryString = ""
            query.appendInterpolation(statement)
            if let returning {
                returned += try await db.raw(query).all().map { try $0.string(returning) }
            } else {
                try await db.raw(query).run()
            }
        }
        return returned
    }
}

extension PreparedInsert {
    /// An insert whose rows are told apart by the column `key`: on PostgreSQL it returns the keys
    /// written; on SQLite it returns nothing and ``runKeyed(table:keys:in:sqlite:)`` counts instead.
    init(_ head: String, _ rows: [[SQLCell]], key: String, sqlite: Bool, direct: SQLiteDirect? = nil) {
        self.init(head, rows, returning: sqlite ? nil : key, sqlite: sqlite, direct: direct)
        self.key = key
    }

    /// Runs an insert made by ``init(_:_:key:sqlite:)`` of rows whose keys are `keys`; answers those
    /// written. On SQLite the rows written (`total_changes()` before and after) say when that is all
    /// of them, the usual case for an import (`RETURNING` cost SQLite a temporary table per
    /// statement); else the rows past the table's last rowid before the statements say which:
    /// SQLite gives a new row the next rowid, and the transaction holds the write lock.
    func runKeyed(table: String, keys: [String], in db: any SQLDatabase, sqlite: SQLiteConnection?) async throws
        -> Set<String>
    {
        if let direct {
            let written = try await direct.sqlite.insert(direct.sql, rows: direct.rows, constant: direct.constant)
            return Set(zip(keys, written).lazy.filter(\.1).map(\.0))
        }
        guard let sqlite, let key else {
            if let plain { return try await runPlainFirst(plain, keys: keys, in: db) }
            return Set(try await run(in: db))
        }
        let before = try await Self.sqliteCounts(table, on: sqlite)
        for statement in statements {
            try await sqlite.query(statement.sql, statement.sqliteValues) { _ in }
        }
        let written = try await Self.sqliteCounts(table, on: sqlite).changes - before.changes
        if written == keys.count { return Set(keys) }
        return Set(
            try await db.raw("SELECT \(ident: key) FROM \(ident: table) WHERE rowid > \(bind: before.last)").all().map {
                try $0.string(key)
            })
    }

    /// SQLite: the last rowid of `table`, and the rows the connection has written since it opened.
    private static func sqliteCounts(_ table: String, on sqlite: SQLiteConnection) async throws
        -> (last: Int, changes: Int)
    {
        let counts = Mutex((last: 0, changes: 0))
        try await sqlite.query(
            "SELECT coalesce(max(rowid), 0) AS last, total_changes() AS changes FROM \"\(table)\"", []
        ) {
            row in
            counts.withLock { $0 = (row.column("last")?.integer ?? 0, row.column("changes")?.integer ?? 0) }
        }
        return counts.withLock { $0 }
    }

    /// PostgreSQL: the rows inserted as they are, in a savepoint, and only if one is refused as a
    /// duplicate again with `ON CONFLICT DO NOTHING RETURNING`. Asked to skip conflicts, PostgreSQL
    /// first looks each row up in every unique index (a fifth of an import's time in it), and the
    /// rows returned cost the driver's decoding; an import's rows rarely conflict.
    private func runPlainFirst(_ plain: Statement, keys: [String], in db: any SQLDatabase) async throws -> Set<String> {
        try await db.raw("SAVEPOINT plain_insert").run()
        do {
            var query: SQLQueryString = ""
            query.appendInterpolation(plain)
            try await db.raw(query).run()
            try await db.raw("RELEASE SAVEPOINT plain_insert").run()
            return Set(keys)
        } catch  where isUniqueViolation(error) {
            try await db.raw("ROLLBACK TO SAVEPOINT plain_insert").run()
            return Set(try await run(in: db))
        }
    }
}

func insertRows(
    _ head: String, _ rows: [[SQLCell]], returning: String? = nil, in db: any SQLDatabase,
    direct: SQLiteDirect? = nil
) async throws -> [String] {
    try await PreparedInsert(head, rows, returning: returning, sqlite: db.dialect.name == "sqlite", direct: direct)
        .run(in: db)
}
