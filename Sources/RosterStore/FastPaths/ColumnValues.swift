import Foundation
import SQLKit
import SQLiteKit

/// A row's values by column name, as the store's decoders read them: a row of SQLKit's, or on
/// SQLite one of SQLiteNIO's, whose values are read without SQLKit's generic decoding (that
/// decoding, a dynamic cast and a metadata lookup per value, was a fifth of the CPU of an API
/// page of 50 users).
protocol ColumnValues {
    func optionalString(_ column: String) throws -> String?
    func optionalInt64(_ column: String) throws -> Int64?
}

extension ColumnValues {
    func string(_ column: String) throws -> String {
        guard let text = try optionalString(column) else { throw StoreError("column \(column) is NULL, not text") }
        return text
    }
    func int64(_ column: String) throws -> Int64 {
        guard let number = try optionalInt64(column) else {
            throw StoreError("column \(column) is NULL, not a number")
        }
        return number
    }
    func int(_ column: String) throws -> Int { Int(try int64(column)) }
    func uuid(_ column: String) throws -> UUID {
        let text = try string(column)
        guard let id = UUID(text: text) else {
            throw StoreError("column \(column) holds \"\(text)\", not a UUID")
        }
        return id
    }
    func optionalUUID(_ column: String) throws -> UUID? { try optionalString(column).flatMap(UUID.init(text:)) }
    func date(_ column: String) throws -> Date { Date(millis: try int64(column)) }
    func optionalDate(_ column: String) throws -> Date? { try optionalInt64(column).map(Date.init(millis:)) }
    func json<T: Decodable>(_ column: String, as type: T.Type) throws -> T {
        let text = try string(column)
        // Most users have no addresses or phone numbers: no decoder for "[]".
        if text == "[]", let empty = [Any]() as? T { return empty }
        return try JSONDecoder().decode(T.self, from: Data(text.utf8))
    }
}

/// A row of SQLKit's, for either database.
struct SQLKitColumns: ColumnValues {
    let row: any SQLRow

    // NULL checked first: decoding an Optional goes the drivers' slow generic way.
    func optionalString(_ column: String) throws -> String? {
        try row.decodeNil(column: column) ? nil : row.decode(column: column, as: String.self)
    }
    func optionalInt64(_ column: String) throws -> Int64? {
        try row.decodeNil(column: column) ? nil : row.decode(column: column, as: Int64.self)
    }
}

extension SQLiteRow: ColumnValues {
    func optionalString(_ column: String) throws -> String? {
        switch try value(column) {
        case .null: nil
        case .text(let text): text
        case let other: try other.string ?? { throw StoreError("column \(column) holds \(other), not text") }()
        }
    }
    func optionalInt64(_ column: String) throws -> Int64? {
        switch try value(column) {
        case .null: nil
        case .integer(let number): Int64(number)
        // SQLiteData's own conversion of a float traps on one out of range: never from a stored value.
        case .float(let number) where Int64(exactly: number.rounded()) != nil: Int64(number.rounded())
        case .text(let text) where Int64(text) != nil: Int64(text)
        case let other: throw StoreError("column \(column) holds \(other), not a whole number")
        }
    }
    private func value(_ column: String) throws -> SQLiteData {
        guard let value = self.column(column) else { throw StoreError("no column \(column) in the row") }
        return value
    }
}

// The names the repositories have always read SQLKit's rows by.
extension SQLRow {
    func string(_ column: String) throws -> String { try SQLKitColumns(row: self).string(column) }
    func optionalString(_ column: String) throws -> String? { try SQLKitColumns(row: self).optionalString(column) }
    func int(_ column: String) throws -> Int { try decode(column: column, as: Int.self) }
    func int64(_ column: String) throws -> Int64 { try decode(column: column, as: Int64.self) }
    func uuid(_ column: String) throws -> UUID { try SQLKitColumns(row: self).uuid(column) }
    func optionalUUID(_ column: String) throws -> UUID? { try SQLKitColumns(row: self).optionalUUID(column) }
    func date(_ column: String) throws -> Date { Date(millis: try int64(column)) }
    func optionalDate(_ column: String) throws -> Date? { try SQLKitColumns(row: self).optionalDate(column) }
    func json<T: Decodable>(_ column: String, as type: T.Type) throws -> T {
        try SQLKitColumns(row: self).json(column, as: type)
    }
}

extension SQLStore {
    /// A query's rows: on SQLite straight from SQLiteNIO, elsewhere through SQLKit. The values are
    /// read after the connection is free again.
    func rows(_ query: SQLQueryString) async throws -> [any ColumnValues] {
        guard let sqlite else {
            return try await read { db in try await db.raw(query).all() }.map(SQLKitColumns.init)
        }
        var serializer = SQLSerializer(database: db)
        query.serialize(to: &serializer)
        let encoder = SQLiteDataEncoder()
        let (sql, binds) = (serializer.sql, try serializer.binds.map { try encoder.encode($0) })
        // In a transaction, on its connection (the writer's); otherwise on a reader.
        guard let readers, !inTransaction else { return try await withDB { _ in try await sqlite.query(sql, binds) } }
        return try await readers.with { reader in try await reader.query(sql, binds) }
    }
}
